import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACE_DATA, faceFile } from '../../models/test-faces.ts';
import type { Calibration } from '../../models/threshold.ts';
import { runFaceCalibrateCli } from './face-calibrate.ts';

let dir: string;
test.before(async () => {
  faceFile('Ari_Fleischer_0001.jpg'); // a clear error when the shared data is missing
  dir = await mkdtemp(join(tmpdir(), 'xacminh-face-calibrate-'));
});
test.after(async () => rm(dir, { recursive: true, force: true }));

test('face-calibrate on 12 people of lfw-dev writes monotone thresholds with sensible TAR and EER', async () => {
  const out = join(dir, 'calibration.json');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runFaceCalibrateCli(['face-calibrate', FACE_DATA, '--out', out, '--max-people', '12'], {
    stdout: (s) => stdout.push(s),
    stderr: (s) => stderr.push(s),
  });
  assert.is(code, 0, stderr.join(''));
  const c = JSON.parse(await readFile(out, 'utf8')) as Calibration;
  assert.is(c.people, 12);
  assert.ok(c.pairs.genuine >= 20 && c.pairs.impostor >= 500, JSON.stringify(c.pairs));
  const points = c.operatingPoints!;
  assert.equal(points.map((p) => p.targetFar), [0.01, 0.001, 0.0001]);
  for (let i = 1; i < points.length; i++) assert.ok(points[i]!.threshold >= points[i - 1]!.threshold, 'stricter FAR → higher threshold');
  for (let i = 1; i < points.length; i++) assert.ok(points[i]!.tar <= points[i - 1]!.tar, 'stricter FAR → lower TAR');
  for (const p of points) {
    assert.ok(p.threshold > 0.8 && p.threshold < 1, `threshold ${p.threshold}`);
    assert.ok(p.far <= p.targetFar, `FAR ${p.far} ≤ ${p.targetFar}`);
  }
  assert.is(points[2]!.resolvable, false); // < 10,000 impostor pairs cannot measure 0.01 %
  assert.ok(points[0]!.tar >= 0.9, `TAR at FAR 1 % = ${points[0]!.tar}`);
  assert.ok(c.eer < 0.05, `EER ${c.eer}`);
  assert.is(c.threshold, points[1]!.threshold);
  assert.is(c.flipAverage, true);
  assert.match(c.command, /^xacminh face-calibrate .*lfw-dev --out .* --max-people 12$/);
  assert.match(c.model.sha256, /^[0-9a-f]{64}$/);
  assert.ok(c.heldOut && c.heldOut.points.length === 3);
  for (const p of c.heldOut.points) {
    const [low, high] = p.tarInterval!;
    assert.ok(low <= p.tar && p.tar <= high && high - low > 0.02, `TAR ${p.tar} within its interval ${low}–${high} (a few dozen genuine pairs: wide)`);
    assert.ok(p.tarRange![0] <= p.tar && p.tar <= p.tarRange![1]);
  }
  assert.match(stdout.join(''), /mean over identity splits/);
  assert.match(stdout.join(''), /target FAR \| threshold/);
});

test('face-calibrate: bad input is exit 2', async () => {
  const io = { stdout: () => undefined, stderr: () => undefined };
  assert.is(await runFaceCalibrateCli(['face-calibrate'], io), 2);
  assert.is(await runFaceCalibrateCli(['face-calibrate', join(dir, 'missing')], io), 2);
  assert.is(await runFaceCalibrateCli(['face-calibrate', FACE_DATA, '--far', '2'], io), 2);
  assert.is(await runFaceCalibrateCli(['face-calibrate', FACE_DATA, '--flip', 'maybe'], io), 2);
});

test.run();
