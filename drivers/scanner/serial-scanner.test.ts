import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SerialPortMock } from 'serialport';
import { formatTd1 } from '../emrtd/mrz.ts';
import { SerialScanner, type AccessKeyEvent, type FaultEvent, type RejectedEvent, type ScanEvent, type SerialScannerOptions } from './serial-scanner.ts';
import { SAMPLE_TD1 } from '../emrtd/mrz-fixtures.ts';

const MockBinding = SerialPortMock.binding;
const QR = '036086133022|123456789|Nguyễn Văn A|01011990|Nam|Số 1 Đường Láng, Hà Nội|01012021';
const MRZ = formatTd1(SAMPLE_TD1);

let n = 0;
interface Rig {
  scanner: SerialScanner;
  path: string;
  keys: AccessKeyEvent[];
  scans: ScanEvent[];
  rejected: RejectedEvent[];
  faults: FaultEvent[];
  send(data: Buffer | string): void;
}

async function rig(options: Partial<SerialScannerOptions> = {}, create = true): Promise<Rig> {
  const path = `/dev/mock-scanner-${++n}`;
  if (create) MockBinding.createPort(path);
  const scanner = new SerialScanner({ path, binding: MockBinding, backoff: { initialMs: 20, maxMs: 40, jitter: 0 }, ...options });
  const r: Rig = {
    scanner,
    path,
    keys: [],
    scans: [],
    rejected: [],
    faults: [],
    send(data) {
      // The mock's port object is the stream's binding handle.
      const port = (scanner as unknown as { port: { port: { emitData(d: Buffer | string): void } } }).port.port;
      port.emitData(data);
    },
  };
  scanner.on('accessKey', (e: AccessKeyEvent) => r.keys.push(e));
  scanner.on('scan', (e: ScanEvent) => r.scans.push(e));
  scanner.on('rejected', (e: RejectedEvent) => r.rejected.push(e));
  scanner.on('fault', (e: FaultEvent) => r.faults.push(e));
  await scanner.start();
  return r;
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, done: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.unreachable(`timed out waiting for ${what}`);
    await tick();
  }
}

test.after.each(() => MockBinding.reset());

test('line framing: a CCCD QR with CRLF gives the CAN-based key and keeps the Vietnamese text intact', async () => {
  const r = await rig();
  r.send(Buffer.from(`${QR}\r\n`, 'utf8'));
  await until('key', () => r.keys.length === 1);
  const key = r.keys[0]!.key;
  assert.is(key.kind, 'CAN');
  assert.is(key.kind === 'CAN' && key.can, '133022');
  assert.is(key.idNumber, '036086133022');
  assert.is(key.source, 'qr');
  assert.is(r.scans[0]!.text, QR);
  assert.is(r.rejected.length, 0);
  await r.scanner.stop();
});

test('line framing: a code split across chunks, mid UTF-8 character and mid CRLF', async () => {
  const r = await rig();
  const bytes = Buffer.from(`${QR}\r\n`, 'utf8');
  const split = bytes.indexOf(Buffer.from('ễ', 'utf8')) + 1; // inside the 3-byte character
  r.send(bytes.subarray(0, split));
  await tick(20);
  assert.is(r.scans.length, 0, 'nothing before the terminator');
  r.send(bytes.subarray(split, bytes.length - 1)); // up to and including the CR
  await until('key', () => r.keys.length === 1);
  r.send(bytes.subarray(bytes.length - 1)); // the LF alone is an empty line, not a scan
  await tick(20);
  assert.is(r.scans.length, 1);
  assert.is(r.scans[0]!.text, QR);
  assert.is(r.rejected.length, 0);
  await r.scanner.stop();
});

test('line framing: several codes in one chunk with CR, LF and CRLF, in order', async () => {
  const r = await rig();
  const other = QR.replace('036086133022', '001099000777');
  r.send(`${QR}\r${other}\nhello world\r\n${QR}\n`);
  await until('4 results', () => r.keys.length + r.rejected.length === 4);
  assert.equal(r.keys.map((k) => k.key.idNumber), ['036086133022', '001099000777', '036086133022']);
  assert.is(r.rejected.length, 1);
  assert.is(r.rejected[0]!.text, 'hello world');
  assert.is(r.rejected[0]!.error.code, 'INVALID_INPUT');
  assert.match(r.rejected[0]!.error.message, /không phải mã QR của CCCD/);
  assert.match(r.rejected[0]!.error.message, /not a CCCD QR code/);
  await r.scanner.stop();
});

test('timeout framing: a scanner with no suffix; the idle gap ends each code', async () => {
  const r = await rig({ framing: 'timeout', idleMs: 30 });
  const bytes = Buffer.from(QR, 'utf8');
  r.send(bytes.subarray(0, 20));
  await tick(5);
  r.send(bytes.subarray(20));
  await until('key', () => r.keys.length === 1);
  assert.is(r.scans.length, 1, 'the chunks within the gap form one code');
  assert.is(r.scans[0]!.text, QR);
  r.send('not a code');
  await until('rejection', () => r.rejected.length === 1);
  assert.is(r.rejected[0]!.text, 'not a code');
  await r.scanner.stop();
});

test('MRZ: three TD1 lines sent as separate lines, and as one 90-character line', async () => {
  const r = await rig();
  r.send(`${MRZ.join('\r\n')}\r\n`);
  await until('key', () => r.keys.length === 1);
  const key = r.keys[0]!.key;
  assert.is(key.kind, 'MRZ');
  assert.equal(key.kind === 'MRZ' && key.mrz, { documentNumber: '203001234', dateOfBirth: '900201', dateOfExpiry: '300201' });
  assert.is(key.idNumber, '079203001234');
  r.send(`${MRZ.join('')}\n`);
  await until('second key', () => r.keys.length === 2);
  assert.equal(r.keys[1]!.key, key);
  // Only two of the three lines: rejected after the gap, not left pending forever.
  r.send(`${MRZ[0]}\n${MRZ[1]}\n`);
  await until('incomplete MRZ rejected', () => r.rejected.length === 1, 3000);
  assert.is(r.rejected[0]!.error.evidence.reason, 'incomplete-mrz');
  // A wrong check digit is refused.
  const broken = [MRZ[0]!.replace('203001234', '203001235'), MRZ[1], MRZ[2]];
  r.send(`${broken.join('\n')}\n`);
  await until('bad MRZ rejected', () => r.rejected.length === 2);
  assert.is(r.rejected[1]!.error.evidence.reason, 'invalid-mrz');
  assert.is(r.keys.length, 2);
  await r.scanner.stop();
});

test('oversize code is dropped whole and the next code still reads', async () => {
  const r = await rig({ maxLength: 200 });
  r.send('A'.repeat(150));
  r.send('B'.repeat(150));
  r.send(`${'C'.repeat(100)}\n${QR}\n`);
  await until('key', () => r.keys.length === 1);
  assert.is(r.rejected.length, 1);
  assert.is(r.rejected[0]!.error.code, 'INVALID_INPUT');
  assert.is(r.rejected[0]!.error.evidence.reason, 'oversize');
  assert.is(r.rejected[0]!.error.evidence.length, 400);
  assert.is(r.rejected[0]!.text.length, 200);
  assert.is(r.scans.length, 1, 'the oversize code is not a scan');
  await r.scanner.stop();
});

test('Latin-1 and garbage bytes are rejected, never thrown; the scanner keeps reading', async () => {
  const r = await rig();
  const latin1 = Buffer.from('036086133022|123456789|Nguy\xe9n V\xe3n A|01011990|Nam|x|01012021', 'latin1');
  r.send(Buffer.concat([latin1, Buffer.from('\n')]));
  r.send(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x0a]));
  r.send(Buffer.from([0x01, 0x02, 0x1b, 0x5b, 0x41, 0x0a])); // valid UTF-8 but control characters
  r.send(`${QR}\n`);
  await until('key', () => r.keys.length === 1);
  assert.is(r.rejected.length, 3);
  assert.is(r.rejected[0]!.error.evidence.reason, 'not-utf8');
  assert.is(r.rejected[1]!.error.evidence.reason, 'not-utf8');
  assert.is(r.rejected[2]!.error.evidence.reason, 'control-characters');
  assert.ok(r.rejected.every((e) => e.error.code === 'INVALID_INPUT'));
  await r.scanner.stop();
});

test('a listener that throws does not break the stream', async () => {
  const r = await rig();
  const reported: unknown[] = [];
  r.scanner.prependListener('scan', () => {
    throw new Error('listener bug');
  });
  r.scanner.on('listenerError', (e: { error: unknown }) => reported.push(e.error));
  r.send(`${QR}\n${QR}\n`);
  await until('two listener errors', () => reported.length === 2);
  // The throwing 'scan' listener aborts that emit, but later events and codes still arrive.
  assert.is(r.keys.length, 2);
  await r.scanner.stop();
});

test('missing port: SERIAL_UNAVAILABLE fault, retried until the port appears, then reads', async () => {
  const r = await rig({}, false);
  assert.is(r.faults.length, 1);
  assert.is(r.faults[0]!.error.code, 'SERIAL_UNAVAILABLE');
  assert.is(r.faults[0]!.error.evidence.stage, 'open-failed');
  assert.not.ok(r.scanner.isOpen);
  await until('a retry', () => r.faults.length >= 2);
  MockBinding.createPort(r.path);
  await until('reopened', () => r.scanner.isOpen);
  r.send(`${QR}\n`);
  await until('key', () => r.keys.length === 1);
  await r.scanner.stop();
  const faults = r.faults.length;
  await tick(100);
  assert.is(r.faults.length, faults, 'no retries after stop');
});

test.run();
