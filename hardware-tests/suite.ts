/** The checks, in the order a technician meets them: the machine, its identity, then each device. */
import { OUTPUTS } from '../drivers/indicators/index.ts';
import { brokerPublish } from './checks/broker.ts';
import { cameraFace, cameraFrames } from './checks/camera.ts';
import { cardRead, readerPresent } from './checks/card.ts';
import { certificateDays, clockSkew, clockSynchronised, trustStore } from './checks/identity.ts';
import { buttonPressed, outputCheck } from './checks/indicators.ts';
import { scannerScan } from './checks/scanner.ts';
import { diskSpace, diskWrite, nodeVersion, registerChain } from './checks/system.ts';
import type { Check } from './types.ts';

export const SUITE: readonly Check[] = [
  nodeVersion,
  diskSpace,
  diskWrite,
  registerChain,
  certificateDays,
  trustStore,
  clockSynchronised,
  clockSkew,
  brokerPublish,
  readerPresent,
  // The scan comes before the card: a QR scan gives the card's access key.
  scannerScan,
  cardRead,
  cameraFrames,
  cameraFace,
  ...OUTPUTS.map(outputCheck),
  buttonPressed,
];
