// The first technician account: made once on a terminal with none (its password printed once), a fresh
// password at every demo start; and what the part refuses from a flow before anything reaches the outputs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { readAccounts, verifyAccountPassword } from '../accounts/accounts.ts';
import { parseConfig } from '../config/load.ts';
import { DEMO_TECHNICIAN, FIRST_TECHNICIAN, NodeRedPart } from './node-red-part.ts';
import type { IndicatorCommand } from './node-red-protocol.ts';
import { quiet } from './node-red-test-support.ts';

const test = suite('node-red: the agent part');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-node-red-part-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function part(dataDir: string, demo: boolean, played: IndicatorCommand[] = [], now?: () => number): NodeRedPart {
  const config = parseConfig({ nodeRed: { enabled: true, port: 0 } });
  const status = { state: 'running' as const, parts: [], alarms: [], outboxBacklog: 0, reader: 'ok' as const, broker: 'connected' as const, faults: [], selfTest: null, at: '' };
  return new NodeRedPart({ dataDir, demo, config: () => config, reconfigure: () => {}, status: () => status, indicators: { play: (c) => void played.push(c) }, log: quiet, ...(now ? { now } : {}) });
}

test('a terminal with no technician gets one, once; the demo gets a fresh password each start', async () => {
  const terminal = join(dir, 'terminal');
  const first = part(terminal, false);
  await first.start();
  await first.stop();
  assert.is(first.firstAccount?.username, FIRST_TECHNICIAN);
  assert.equal(await verifyAccountPassword(terminal, FIRST_TECHNICIAN, first.firstAccount!.password), { username: FIRST_TECHNICIAN, role: 'technician' });
  const again = part(terminal, false);
  await again.start();
  await again.stop();
  assert.is(again.firstAccount, undefined, 'no second account, no password printed again');
  assert.is(readAccounts(terminal).length, 1);

  const demo = join(dir, 'demo');
  const one = part(demo, true);
  await one.start();
  await one.stop();
  const two = part(demo, true);
  await two.start();
  await two.stop();
  assert.is(two.firstAccount?.username, DEMO_TECHNICIAN);
  assert.is.not(one.firstAccount!.password, two.firstAccount!.password);
  assert.is(await verifyAccountPassword(demo, DEMO_TECHNICIAN, one.firstAccount!.password), undefined, 'the old demo password is gone');
});

async function refusal(run: () => Promise<void> | void): Promise<{ code: string; field: unknown }> {
  try {
    await run();
  } catch (error) {
    if (isXacminhError(error)) return { code: error.code, field: error.evidence.field };
    throw error;
  }
  throw new Error('not refused');
}

test('indicator requests: unknown patterns and durations refused with the field, at most 5 a second', async () => {
  const played: IndicatorCommand[] = [];
  let now = 1_000_000;
  const flows = part(join(dir, 'limits'), true, played, () => now);
  assert.equal(await refusal(() => flows.indicate({ pattern: 'verified' })), { code: 'INVALID_INPUT', field: 'pattern' }, 'a flow cannot play the verification’s own signal');
  assert.equal(await refusal(() => flows.indicate({ pattern: 'relay-pulse', durationMs: 60_000 })), { code: 'INVALID_INPUT', field: 'durationMs' });
  assert.equal(await refusal(() => flows.indicate({ pattern: 'beep', gpio: 4 })), { code: 'INVALID_INPUT', field: 'payload' });
  for (let i = 0; i < 5; i++) await flows.indicate({ pattern: 'beep', durationMs: 100 });
  assert.equal((await refusal(() => flows.indicate({ pattern: 'beep' }))).code, 'BUSY');
  now += 1001;
  await flows.indicate({ pattern: 'relay-pulse' });
  assert.is(played.length, 6);
  assert.equal(played.at(-1), { pattern: 'relay-pulse', durationMs: 1000 });
  assert.equal(await refusal(() => flows.kiosk({ notice: 'counter-open-forever' })), { code: 'INVALID_INPUT', field: 'notice' });
  flows.kiosk({ notice: 'counter-closed', messageVi: 'Quầy đã đóng cửa.' });
  assert.equal(flows.kioskNotice, { notice: 'counter-closed', messageVi: 'Quầy đã đóng cửa.' });
});

test.run();
