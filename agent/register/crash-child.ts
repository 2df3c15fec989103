/**
 * Child process for register-sigkill.test.ts (not a test itself): appends, or appends and purges, in a loop
 * until it is SIGKILLed, printing after each commit what is now committed, so the parent knows what must
 * survive. Its clock runs a simulated day per entry so the purge always has old entries to remove.
 * argv: <register path> <data key base64> <device key PEM file> <append|purge>
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';
import { sampleRecord } from '../events/events-test-support.ts';
import { Register } from './register.ts';

const [path, dataKeyText, keyFile, mode] = process.argv.slice(2) as [string, string, string, 'append' | 'purge'];
const DAY = 86_400_000;
let day = 0;
const now = () => new Date(Date.UTC(2020, 0, 1) + day * DAY);
const register = Register.open(path, { deviceKey: createPrivateKey(readFileSync(keyFile, 'utf8')), dataKey: new Uint8Array(Buffer.from(dataKeyText, 'base64')), outboxCapacity: 1_000_000, checkpointEvery: 7, now });
day = register.headSeq;
// Synchronous writes to fd 1: a line printed is a commit already made, never one still in a stream buffer.
const say = (line: string) => writeSync(1, `${line}\n`);
for (;;) {
  day++;
  const record = sampleRecord({});
  const summary = register.append(record, { frameJpeg: new Uint8Array(4096).fill(day & 0xff), events: [{ id: record.id, topic: 'event/verification', payload: 'x' }] });
  say(`append ${summary.seq} ${record.id}`);
  if (mode === 'purge' && day % 5 === 0) {
    const before = new Date(Date.UTC(2020, 0, 1) + (day - 3) * DAY).toISOString();
    const result = register.purge(before, 3);
    if (result.entry) say(`purge ${result.entry.seq} ${result.entry.id} ${before}`);
  }
}
