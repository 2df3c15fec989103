// `xacminh self-test` as the technician runs it (the real binary): on a demo data dir it runs every check,
// keeps a signed report and exits 3 (marginal: no CSCA yet); without a device key it stops before any device.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUITE } from '../../hardware-tests/suite.ts';
import { testDataDir } from '../../hardware-tests/test-support.ts';
import { lastSelfTest } from '../../hardware-tests/report.ts';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');
const run = promisify(execFile);

async function xacminh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('--json on a demo data dir: every check of the suite reported, marginal → exit 3, report kept and found by lastSelfTest', async () => {
  const data = testDataDir();
  try {
    writeFileSync(data.paths.siteConfig, JSON.stringify({ face: { enabled: false } }));
    const { code, stdout } = await xacminh(['self-test', '--data-dir', data.paths.root, '--no-interactive', '--json']);
    const report = JSON.parse(stdout) as { status: string; checks: { id: string; status: string }[]; file: string; published: unknown };
    assert.equal(report.checks.map((c) => c.id), SUITE.map((c) => c.id));
    assert.is(report.checks.find((c) => c.id === 'trust.store')!.status, 'marginal');
    assert.is(report.status === 'fail' ? 1 : report.status === 'marginal' ? 3 : 0, code);
    assert.is(code, 3, 'no CSCA yet makes it marginal');
    assert.ok(existsSync(report.file));
    assert.is(report.published, null, 'the demo broker is not published to');
    assert.equal(lastSelfTest(data.paths.root), { status: 'marginal', finishedAt: (report as unknown as { finishedAt: string }).finishedAt, file: report.file });
    const english = await xacminh(['self-test', '--data-dir', data.paths.root, '--no-interactive', '--lang', 'en', '--only', '^trust']);
    assert.match(english.stdout, /^! Trust store loaded \(CSCA certificates, master lists, CRLs\) \[trust\.store\] \(anchors=0\)\n {4}→ No CSCA certificate yet/);
    assert.match(english.stdout, /Result: PASS WITH WARNINGS/);
  } finally {
    data.remove();
  }
});

test('no device key: exit 1 saying to provision, and no report written', async () => {
  const data = testDataDir();
  try {
    const empty = join(data.dir, 'empty');
    const { code, stderr } = await xacminh(['self-test', '--data-dir', empty, '--no-interactive']);
    assert.is(code, 1);
    assert.match(stderr, /provision the terminal first/);
    assert.not.ok(existsSync(join(empty, 'self-tests')));
  } finally {
    data.remove();
  }
});

test('bad input is exit 2 before any check: a --config that does not exist, an --only that is not a regex', async () => {
  const data = testDataDir();
  try {
    const config = await xacminh(['self-test', '--data-dir', data.paths.root, '--no-interactive', '--config', join(data.dir, 'nope.json')]);
    assert.is(config.code, 2);
    assert.match(config.stderr, /--config .*nope\.json: no such file/);
    const only = await xacminh(['self-test', '--data-dir', data.paths.root, '--no-interactive', '--only', '(']);
    assert.is(only.code, 2);
    assert.match(only.stderr, /--only \( is not a regular expression/);
    assert.not.ok(existsSync(data.paths.selfTests));
  } finally {
    data.remove();
  }
});

test.run();
