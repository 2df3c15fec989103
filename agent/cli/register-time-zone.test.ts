// `register list` and `register show` print times in the site's timeZone (site.json in the data dir), as the
// operator page does; Vietnam time when the site names none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths, loadDeviceIdentity, loadRegisterDataKey } from '../datadir.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { Register } from '../register/register.ts';
import { parseRange, runRegisterCli } from './register.ts';
import { terminalTime } from './register-format.ts';
import { siteTimeZone } from './site-time-zone.ts';

const test = suite('register commands: time zone');
let root = '';
test.before(() => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-register-zone-'));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

function dataDir(name: string, site: object | null): { dir: string; recordedAt: string } {
  const dir = join(root, name);
  const paths = dataDirPaths(dir);
  const identity = loadDeviceIdentity(paths, { create: true });
  const register = Register.open(paths.register, { deviceKey: identity.privateKey, dataKey: loadRegisterDataKey(paths, { create: true })!, outboxCapacity: 10 });
  const { recordedAt } = register.append(sampleRecord({ decision: 'verified', startedAt: '2026-11-22T17:30:05.000Z', finishedAt: '2026-11-22T17:30:06.000Z' }), { events: [] });
  register.close();
  if (site) writeFileSync(paths.siteConfig, JSON.stringify(site));
  return { dir, recordedAt };
}

async function cli(...argv: string[]): Promise<string> {
  let out = '';
  const code = await runRegisterCli(['register', ...argv], { stdout: (s) => (out += s), stderr: () => {} });
  assert.is(code, 0, argv.join(' '));
  return out;
}

test("list and show use the site's zone; Vietnam without one", async () => {
  const tokyo = dataDir('tokyo', { timeZone: 'Asia/Tokyo' });
  const list = await cli('list', '--data-dir', tokyo.dir);
  assert.match(list, 'Thời gian (giờ Asia/Tokyo)');
  assert.match(list, terminalTime(tokyo.recordedAt, 'Asia/Tokyo'));
  assert.not.match(list, terminalTime(tokyo.recordedAt, 'Asia/Ho_Chi_Minh'));
  const show = await cli('show', '1', '--data-dir', tokyo.dir);
  assert.match(show, '23/11/2026 02:30:05 → 23/11/2026 02:30:06');
  assert.match(show, '(giờ Asia/Tokyo)');

  const vietnam = dataDir('vietnam', null);
  assert.match(await cli('list', '--data-dir', vietnam.dir), 'Thời gian (giờ VN)');
  assert.match(await cli('show', '1', '--data-dir', vietnam.dir), '23/11/2026 00:30:05 → 23/11/2026 00:30:06');
});

test('a site.json without a zone, with a misspelt one or unreadable reads as Vietnam time', () => {
  for (const [name, text] of [['none', '{}'], ['bad', '{"timeZone":"Asia/Hanoi_City"}'], ['broken', '{"timeZone":']] as const) {
    const dir = join(root, `site-${name}`);
    dataDir(`site-${name}`, null);
    writeFileSync(dataDirPaths(dir).siteConfig, text);
    assert.is(siteTimeZone(dir), 'Asia/Ho_Chi_Minh', name);
  }
  assert.is(terminalTime('2026-03-08T07:30:00.000Z', 'America/New_York'), '08/03/2026 03:30:00', 'daylight saving time applies');
});

test("--from/--to days are the site's days; ISO times are taken as given", async () => {
  assert.equal(parseRange('2026-11-22', '2026-11-22', 'Asia/Tokyo'), { from: '2026-11-21T15:00:00.000Z', to: '2026-11-22T15:00:00.000Z' });
  assert.equal(parseRange('2026-11-22', undefined), { from: '2026-11-21T17:00:00.000Z' }, 'Vietnam by default');
  assert.equal(parseRange('2026-11-22T08:00:00+07:00', undefined, 'Asia/Tokyo'), { from: '2026-11-22T01:00:00.000Z' });
  assert.throws(() => parseRange('2026-02-30', undefined, 'Asia/Tokyo'), /thời điểm không hợp lệ/);
  const tokyo = dataDir('tokyo-range', { timeZone: 'Asia/Tokyo' });
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date(tokyo.recordedAt));
  assert.match(await cli('list', '--data-dir', tokyo.dir, '--from', today, '--to', today), '1 mục');
});

test.run();
