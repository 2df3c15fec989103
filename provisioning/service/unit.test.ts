// The unit as systemd reads it: `systemd-analyze verify` finds nothing wrong, `systemd-analyze security`
// rates its exposure ≤ 3.0; and the polkit rule for pcscd is JavaScript that answers YES to exactly the
// service user's two pcsc-lite actions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PCSC_ACTIONS, renderPolkitRule } from './polkit.ts';
import { renderServiceUnit } from './unit.ts';

function withUnit<T>(text: string, run: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-unit-'));
  try {
    const path = join(dir, 'xacminh.service');
    writeFileSync(path, text);
    return run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ExecStart's executable must exist for verify: the Node.js running this test.
const SERVICE_ENV = { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=200' };
const unit = renderServiceUnit({ nodePath: process.execPath, supplementaryGroups: ['video', 'gpio', 'dialout'], environment: SERVICE_ENV });

test('systemd-analyze verify: no complaint about the unit', () => {
  withUnit(unit, (path) => {
    const run = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    assert.is(run.status, 0, run.stdout + run.stderr);
    // Complaints about other units on the machine are not ours; any line naming our file is.
    const ours = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes('xacminh.service'));
    assert.equal(ours, []);
  });
});

test('systemd-analyze verify catches a broken unit (the check above can fail)', () => {
  withUnit(unit.replace('Type=notify', 'Type=notyfy').replace(process.execPath, '/nonexistent/node'), (path) => {
    const run = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    assert.match(run.stdout + run.stderr, /xacminh\.service/);
  });
});

function exposure(text: string): number {
  return withUnit(text, (path) => {
    const run = spawnSync('systemd-analyze', ['security', '--offline=true', path], { encoding: 'utf8' });
    const score = /Overall exposure level for xacminh\.service: (\d+(?:\.\d+)?)/.exec(run.stdout + run.stderr)?.[1];
    assert.ok(score, run.stdout + run.stderr);
    return Number(score);
  });
}

test('systemd-analyze security --offline=true: exposure ≤ 3.0; the hardening is what gets it there', () => {
  const score = exposure(unit);
  assert.ok(score <= 3.0, `exposure ${score}`);
  const unhardened = unit.split('# Hardening.')[0]! + '\n[Install]\nWantedBy=multi-user.target\n';
  assert.ok(exposure(unhardened) > 3.0, 'without the hardening section the score is over the limit');
});

test('the unit: notify + watchdog, restart with a start limit, own user and device groups, state dir, no W^X ban', () => {
  const lines = unit.split('\n');
  for (const line of [
    'Type=notify', 'NotifyAccess=main', 'WatchdogSec=30', 'Restart=always', 'StartLimitBurst=5', 'User=xacminh', 'Group=xacminh', 'SupplementaryGroups=video gpio dialout',
    'StateDirectory=xacminh', 'StateDirectoryMode=0700', 'UMask=0077', 'Environment=XACMINH_DATA_DIR=/var/lib/xacminh NODE_ENV=production', 'Environment="MALLOC_ARENA_MAX=2"', 'Environment="NODE_OPTIONS=--max-semi-space-size=2 --max-old-space-size=200"',
    `ExecStart=${process.execPath} /opt/xacminh/app/dist/agent/cli/main.js start --data-dir /var/lib/xacminh`, 'CapabilityBoundingSet=', 'DevicePolicy=closed',
  ]) assert.ok(lines.includes(line), line);
  assert.not.ok(lines.some((line) => /^(MemoryDenyWriteExecute|PrivateUsers|PrivateDevices)=/.test(line)));
  const groups = renderServiceUnit({ nodePath: '/usr/bin/node', supplementaryGroups: ['dialout', 'wheel'], prefix: '/srv/x' });
  assert.ok(groups.includes('SupplementaryGroups=dialout\n'), 'only device groups');
  assert.ok(groups.includes('ExecStart=/usr/bin/node /srv/x/app/dist/agent/cli/main.js'));
  assert.match(renderServiceUnit({ nodePath: '/usr/bin/node' }), /# No device group/);
});

test('options the unit cannot carry are refused with the reason', () => {
  assert.throws(() => renderServiceUnit({ nodePath: 'node' }), /absolute path/);
  assert.throws(() => renderServiceUnit({ nodePath: '/usr/bin/node', prefix: '/opt/my app' }), /without spaces/);
  assert.throws(() => renderServiceUnit({ nodePath: '/usr/bin/node', dataDir: '/srv/data' }), /\/var\/lib\/<name>/);
  assert.throws(() => renderServiceUnit({ nodePath: '/usr/bin/node', environment: { NODE_OPTIONS: '--title=$HOME' } }), /without quotes, backslashes, % or \$/);
});

test('polkit rule: valid JavaScript that allows the two pcsc-lite actions for xacminh only', () => {
  const YES = 'yes';
  const rules: ((action: { id: string }, subject: { user: string }) => unknown)[] = [];
  const polkit = { Result: { YES }, addRule: (rule: (typeof rules)[number]) => rules.push(rule) };
  // polkit runs .rules files as JavaScript with a global `polkit`: so does this.
  new Function('polkit', renderPolkitRule())(polkit);
  assert.is(rules.length, 1);
  const rule = rules[0]!;
  for (const id of PCSC_ACTIONS) {
    assert.is(rule({ id }, { user: 'xacminh' }), YES, id);
    assert.is(rule({ id }, { user: 'pi' }), undefined, `${id} for another user`);
  }
  assert.is(rule({ id: 'org.freedesktop.systemd1.manage-units' }, { user: 'xacminh' }), undefined);
  assert.equal([...PCSC_ACTIONS], ['org.debian.pcsc-lite.access_pcsc', 'org.debian.pcsc-lite.access_card']);
});

test.run();
