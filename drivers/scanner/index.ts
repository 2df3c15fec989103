export { SerialScanner, type SerialScannerOptions, type ScanEvent, type AccessKeyEvent, type RejectedEvent, type FaultEvent } from './serial-scanner.ts';
export { classifyScan, decodeScan, type Classified } from './classify.ts';
export type { Framing } from './framer.ts';
