// No ID number, MRZ, CCCD QR text or name in any log line the agent writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import { SerialPortMock } from 'serialport';
import { accessKeyFromDocumentFields, accessKeyFromIdNumber } from '../../drivers/emrtd/access-key.ts';
import { formatTd1 } from '../../drivers/emrtd/mrz.ts';
import { XacminhError } from '../../drivers/errors.ts';
import type { CccdPersonalData } from '../../drivers/emrtd/lds/dg13.ts';
import { DG13_LABELS } from '../labels.ts';
import { openAgentScanner } from './devices.ts';
import { createAgentLogger, PERSONAL_FIELDS, stderrIsJournal } from './log.ts';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_TD1 } from '../../drivers/emrtd/mrz-fixtures.ts';

const ID = '036086133022';
const NAME = 'Nguyễn Văn An';
const QR = `${ID}|123456789|${NAME}|01011990|Nam|Số 1 Đường Láng, Hà Nội|01012021`;
const MRZ = formatTd1(SAMPLE_TD1);
const SECRETS = [ID, '123456789', NAME, 'NGUYEN', '203001234', '079203001234', ...MRZ];

function bufferLogger(level = 'info'): { log: ReturnType<typeof createAgentLogger>; lines: () => string } {
  let out = '';
  return { log: createAgentLogger({ level, destination: { write: (line: string) => void (out += line) } }), lines: () => out };
}

function assertClean(output: string): void {
  for (const secret of SECRETS) assert.not.ok(output.includes(secret), `"${secret}" is in the log:\n${output}`);
}

/** The shapes personal data reaches a logger in: fields, nested evidence, error messages and causes, the message. */
function logEverything(log: pino.Logger): void {
  const cause = new Error(`card said no for ${QR}`);
  const error = new XacminhError('INVALID_INPUT', `bad MRZ ${MRZ[0]} for ${ID}`, { fullName: NAME, detail: { idNumber: ID, text: QR } }, { cause });
  // A name in free text cannot be recognised: names only ever travel in fields (censored) or QR text (scrubbed).
  log.warn({ err: error, holder: { fullName: NAME, idNumber: ID }, qr: QR }, `scanner: rejected ${ID}`);
  log.error({ reason: `document 203001234, optional data 079203001234` }, 'verification ended unexpectedly: %s', MRZ.join('\n'));
}

test('the inputs below do leak through a plain pino logger (the test would catch a missing layer)', () => {
  let out = '';
  logEverything(pino({ base: null }, { write: (line: string) => void (out += line) }));
  for (const secret of [ID, NAME, '203001234', MRZ[0]!]) assert.ok(out.includes(secret), secret);
});

test('through the agent logger: fields are censored, messages, errors, causes and evidence scrubbed; the rest stays', () => {
  const { log, lines } = bufferLogger();
  logEverything(log);
  const output = lines();
  assertClean(output);
  const [first, second] = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.is((first!.err as { code: string }).code, 'INVALID_INPUT', 'what is not personal is kept');
  assert.match(String(first!.msg), /^scanner: rejected \[number\]/);
  assert.match(String(second!.msg), /^verification ended unexpectedly: \[mrz\]/);
});

test('an error logged without a message: pino makes msg of its message, and that msg is scrubbed too', () => {
  const { log, lines } = bufferLogger();
  log.error(new Error(`no card for ${ID}`));
  log.warn({ err: new Error(`bad QR ${QR}`) });
  assertClean(lines());
  const messages = lines().trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
  assert.equal(messages, ['no card for [number]', 'bad QR [qr]']);
});

test('values passed through %s, %d, %j and %o are scrubbed once formatted into the message', () => {
  const { log, lines } = bufferLogger();
  log.info('number %d, json %j, object %o, text %s', Number(ID), { note: QR }, { line: MRZ[0] }, `doc 203001234`);
  assertClean(lines());
  assert.match(lines(), /number \[number\], json/);
});

test('an ID or document number logged as a number is censored; other numbers are kept', () => {
  const { log, lines } = bufferLogger();
  log.info({ cardNumber: 79203001234, nested: { n: 203001234 }, bytes: 18801, ms: 1234.5 }, 'read');
  const entry = JSON.parse(lines().trim()) as { cardNumber: unknown; nested: { n: unknown }; bytes: number; ms: number };
  assert.equal([entry.cardNumber, entry.nested.n, entry.bytes, entry.ms], ['[redacted]', '[redacted]', 18801, 1234.5]);
});

test('child() bindings are scrubbed and censored like the fields of each call', () => {
  const { log, lines } = bufferLogger();
  log.child({ session: { card: { holder: { fullName: NAME } } }, note: `reading ${ID}` }).info('started');
  assertClean(lines());
  assert.match(lines(), /"note":"reading \[number\]"/);
});

test('an object nested deeper than the scrubber walks is replaced by "[depth]", never written raw', () => {
  const { log, lines } = bufferLogger();
  let deep: Record<string, unknown> = { idNumber: ID, note: `id ${ID}` };
  for (let i = 0; i < 12; i++) deep = { level: deep };
  log.info({ deep }, 'deep');
  assertClean(lines());
  assert.match(lines(), /"\[depth\]"/);
});

test('every DG13 field and the MRZ name fields are censored wherever they appear', () => {
  // Typed as every DG13 field: a field added to the type fails to compile here until it has a value.
  const person: Required<Omit<CccdPersonalData, 'raw'>> = {
    idNumber: 'v-idNumber', fullName: 'v-fullName', dateOfBirth: 'v-dateOfBirth', sex: 'v-sex', nationality: 'v-nationality', ethnicity: 'v-ethnicity',
    religion: 'v-religion', placeOfOrigin: 'v-placeOfOrigin', placeOfResidence: 'v-placeOfResidence', identifyingFeatures: 'v-identifyingFeatures',
    dateOfIssue: 'v-dateOfIssue', dateOfExpiry: 'v-dateOfExpiry', fatherName: 'v-fatherName', motherName: 'v-motherName', spouseName: 'v-spouseName', oldIdNumber: 'v-oldIdNumber',
  };
  const mrz = { primaryIdentifier: 'v-primaryIdentifier', secondaryIdentifier: 'v-secondaryIdentifier', optionalData1: 'v-optionalData1' };
  const { log, lines } = bufferLogger();
  log.info({ ...person, read: { dg13: person, chip: { mrz } } }, 'read');
  log.child({ holder: { card: person } }).warn('bound');
  assert.not.match(lines(), /v-[a-zA-Z0-9]+/, lines());
  for (const [key] of DG13_LABELS) assert.ok(PERSONAL_FIELDS.includes(key), `${key} (DG13_LABELS) is censored`);
});

test('scans through the agent scanner: rejected QR and MRZ codes and a refused key are logged without the ID, MRZ or name', async () => {
  const MockBinding = SerialPortMock.binding;
  const path = '/dev/mock-log-scanner';
  MockBinding.createPort(path);
  let opened: { emitData(data: Buffer | string): void } | undefined;
  const binding = { ...MockBinding, open: async (options: Parameters<typeof MockBinding.open>[0]) => (opened = await MockBinding.open(options)) };
  const { log, lines } = bufferLogger('warn');
  const refusing = {
    provideAccessKey: (key: { idNumber?: string }) => {
      // A downstream refusal that names the key it got: the layer must still keep it out.
      throw new XacminhError('BUSY', `A verification is running; key for ${key.idNumber ?? '?'} refused`, {});
    },
  };
  const part = openAgentScanner({ path, baudRate: 9600, framing: 'line' }, refusing, log, binding);
  try {
    await part.start();
    const badMrz = [MRZ[0]!.replace('203001234', '203001235'), MRZ[1], MRZ[2]];
    for (const code of [`${ID}|${NAME}|01011990`, badMrz.join('\r\n'), QR]) opened!.emitData(Buffer.from(`${code}\r\n`, 'utf8'));
    const end = Date.now() + 5000;
    while (lines().split('\n').filter((l) => l.includes('scanner:')).length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const output = lines();
    assert.is(output.split('\n').filter((l) => l.includes('scanner:')).length, 3, output);
    assert.match(output, /"code":"BUSY"/);
    assertClean(output);
  } finally {
    await part.stop();
    MockBinding.reset();
  }
});

test('access-key errors never repeat the number or date they were given', () => {
  for (const [run, secret] of [
    [() => accessKeyFromIdNumber('03608613302'), '03608613302'],
    [() => accessKeyFromDocumentFields('C12345_67', '12/08/1974', '15/04/2032'), 'C12345_67'],
    [() => accessKeyFromDocumentFields('C1234567', '31/02/1974', '15/04/2032'), '31/02/1974'],
    [() => accessKeyFromDocumentFields('C1234567', '1974-8-12', '15/04/2032'), '1974-8-12'],
  ] as const) {
    let message = '';
    try {
      run();
    } catch (error) {
      message = (error as Error).message;
    }
    assert.ok(message, 'it throws');
    assert.not.ok(message.includes(secret), message);
  }
});

test('journald: each line starts with its sd-daemon priority, and the prefixed lines are scrubbed all the same', () => {
  let out = '';
  const log = createAgentLogger({ level: 'trace', journal: true, destination: { write: (line: string) => void (out += line) } });
  logEverything(log);
  log.trace('t');
  log.debug('d');
  log.info({ qr: QR }, `info ${ID}`);
  log.fatal(new Error(`fatal for ${ID}`));
  assertClean(out);
  const lines = out.trim().split('\n');
  assert.equal(lines.map((line) => /^<(\d)>\{/.exec(line)?.[1]), ['4', '3', '7', '7', '6', '2']);
  // What journald keeps once it strips the prefix is the same scrubbed JSON.
  const entry = JSON.parse(lines[4]!.slice(3)) as { msg: string; qr: string; level: number };
  assert.equal([entry.msg, entry.qr, entry.level], ['info [number]', '[redacted]', 30]);
});

test('journald: prefixes only when JOURNAL_STREAM names the stream stderr really is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-journal-'));
  const fd = openSync(join(dir, 'stream'), 'w');
  try {
    const { dev, ino } = fstatSync(fd);
    assert.ok(stderrIsJournal({ JOURNAL_STREAM: `${dev}:${ino}` }, fd));
    assert.not.ok(stderrIsJournal({ JOURNAL_STREAM: `${dev}:${ino + 1}` }, fd), 'stderr redirected away from the journal');
    assert.not.ok(stderrIsJournal({}, fd));
    let out = '';
    createAgentLogger({ level: 'info', destination: { write: (line: string) => void (out += line) } }).warn('plain');
    assert.match(out, /^\{/, 'a given destination is not the journal unless asked');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
