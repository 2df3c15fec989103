// The machine's own checks: Node.js version, disk space (a limit set above the real free space of the
// real filesystem), a real write that hits ENOSPC on /dev/full, and a probe that leaves nothing behind.
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runOne } from '../runner.ts';
import { testContext, testDataDir } from '../test-support.ts';
import { diskSpace, diskWrite, nodeVersion } from './system.ts';

test('node.version: 24 and 22 pass, 20 is marginal with the end-of-life note, 18 fails', async () => {
  const data = testDataDir();
  try {
    const status = async (version: string) => runOne(nodeVersion, testContext(data, { overrides: { nodeVersion: version } }), 1000);
    assert.is((await status('24.3.0')).status, 'pass');
    assert.is((await status('22.12.0')).status, 'pass');
    const twenty = await status('20.19.4');
    assert.is(twenty.status, 'marginal');
    assert.match(twenty.hint!, /Node 20 reached end of life on 2026-04-30/);
    assert.is((await status('18.20.0')).status, 'fail');
  } finally {
    data.remove();
  }
});

test('disk.space on the real filesystem: a fail limit above the free space fails with the hint, a marginal one is marginal, the defaults pass here', async () => {
  const data = testDataDir();
  try {
    const huge = Number.MAX_SAFE_INTEGER;
    const full = await runOne(diskSpace, testContext(data, { limits: { diskFailBytes: huge, diskMarginalBytes: huge } }), 5000);
    assert.is(full.status, 'fail');
    assert.ok((full.measured.freeBytes as number) > 0, 'measured the real free space');
    assert.match(full.hint!, /free space/);
    assert.match(full.hintVi!, /giải phóng dung lượng/);
    const low = await runOne(diskSpace, testContext(data, { limits: { diskFailBytes: 0, diskMarginalBytes: huge } }), 5000);
    assert.is(low.status, 'marginal');
    const ok = await runOne(diskSpace, testContext(data, { limits: { diskFailBytes: 0, diskMarginalBytes: 0 } }), 5000);
    assert.is(ok.status, 'pass');
  } finally {
    data.remove();
  }
});

test('disk.write: a real write into /dev/full fails with ENOSPC and the hint; a write beside the register passes and leaves no file', async () => {
  const data = testDataDir();
  try {
    const full = await runOne(diskWrite, testContext(data, { overrides: { writeProbePath: '/dev/full' } }), 5000);
    assert.is(full.status, 'fail');
    assert.is(full.measured.errno, 'ENOSPC');
    assert.match(full.hint!, /df -h/);
    const before = readdirSync(dirname(data.paths.register));
    const ok = await runOne(diskWrite, testContext(data), 5000);
    assert.is(ok.status, 'pass', JSON.stringify(ok));
    assert.equal(readdirSync(dirname(data.paths.register)), before);
    assert.ok(existsSync('/dev/full'));
  } finally {
    data.remove();
  }
});

test.run();
