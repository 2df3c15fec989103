import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
  assert.ok(c.threshold >= points[1]!.threshold, 'the shipped threshold is the bounded one: never below the point estimate');
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
  // 12 people give a few hundred impostor pairs: the 0.1 % threshold rests on none of them scoring above it.
  assert.ok(c.warnings?.some((w) => /rests on no impostor pair\(s\) above it .*calibrate on more people \(12 now\)/.test(w)), JSON.stringify(c.warnings));
  assert.match(stdout.join(''), /CAUTION: the threshold for FAR 0\.10 % rests on/);
  assert.match(stdout.join(''), /target FAR \| threshold/);
  // A few hundred impostor pairs cannot vouch for FAR 0.1 % with 95 % confidence: above every impostor, and it says so.
  assert.is(c.bound!.single.reached, false);
  assert.is(c.threshold, c.bound!.single.threshold);
  assert.ok(c.warnings?.some((w) => /cannot show FAR ≤ 0\.10 % with 95 % confidence .*calibrate on more people \(12 now\)/.test(w)), JSON.stringify(c.warnings));
  assert.ok(c.bound!.fused && c.bound!.fused.threshold >= c.bound!.fused.pointThreshold);
});

test('a set in LFW layout (pairs.txt beside images/) gets the fold accuracy; --cache re-runs it without embedding', async () => {
  const view2 = join(FACE_DATA, '../lfw-view2-dev');
  const [, ...lines] = (await readFile(join(view2, 'pairs.txt'), 'utf8')).split('\n');
  // Two folds of 2 same-person + 2 different-person pairs, from the first two folds of the real file.
  const pick = (fold: number) => [...lines.slice(fold * 600, fold * 600 + 2), ...lines.slice(fold * 600 + 300, fold * 600 + 302)];
  const chosen = [...pick(0), ...pick(1)];
  const root = await mkdtemp(join(dir, 'lfw-'));
  await writeFile(join(root, 'pairs.txt'), `2\t2\n${chosen.join('\n')}\n`);
  for (const l of chosen) {
    const c = l.split('\t');
    const images = c.length === 3 ? [[c[0]!, c[1]!], [c[0]!, c[2]!]] : [[c[0]!, c[1]!], [c[2]!, c[3]!]];
    for (const [name, i] of images) {
      const file = `${name}_${i!.padStart(4, '0')}.jpg`;
      await mkdir(join(root, 'images', name!), { recursive: true });
      await copyFile(join(view2, 'images', name!, file), join(root, 'images', name!, file));
    }
  }
  const cache = join(dir, 'lfw.descriptors.json');
  const run = async () => {
    const stderr: string[] = [];
    const out = join(dir, 'lfw.json');
    assert.is(await runFaceCalibrateCli(['face-calibrate', root, '--out', out, '--cache', cache], { stdout: () => undefined, stderr: (s) => stderr.push(s) }), 0, stderr.join(''));
    return { c: JSON.parse(await readFile(out, 'utf8')) as Calibration, stderr: stderr.join('') };
  };
  const first = await run();
  assert.not.match(first.stderr, /descriptors from/);
  assert.is(first.c.lfw!.folds, 2);
  assert.is(first.c.lfw!.pairs, 8);
  assert.ok(first.c.lfw!.accuracy >= 0.5 && first.c.lfw!.accuracy <= 1);
  const second = await run();
  assert.match(second.stderr, /descriptors from .*lfw\.descriptors\.json/);
  assert.equal(second.c.lfw, first.c.lfw);
  assert.is(second.c.threshold, first.c.threshold);
});

test('face-calibrate --far other than 1 / 0.1 / 0.01 %: its threshold is measured on unseen people too', async () => {
  const out = join(dir, 'far-0.005.json');
  const code = await runFaceCalibrateCli(['face-calibrate', FACE_DATA, '--out', out, '--max-people', '12', '--far', '0.005'], { stdout: () => undefined, stderr: () => undefined });
  assert.is(code, 0);
  const c = JSON.parse(await readFile(out, 'utf8')) as Calibration;
  assert.is(c.targetFar, 0.005);
  const point = c.heldOut!.points.find((p) => p.targetFar === 0.005);
  assert.ok(point && point.tar > 0.5 && point.far >= 0, JSON.stringify(c.heldOut!.points));
});

test('face-calibrate: bad input is exit 2', async () => {
  const io = { stdout: () => undefined, stderr: () => undefined };
  assert.is(await runFaceCalibrateCli(['face-calibrate'], io), 2);
  assert.is(await runFaceCalibrateCli(['face-calibrate', join(dir, 'missing')], io), 2);
  assert.is(await runFaceCalibrateCli(['face-calibrate', FACE_DATA, '--far', '2'], io), 2);
  assert.is(await runFaceCalibrateCli(['face-calibrate', FACE_DATA, '--flip', 'maybe'], io), 2);
});

/** A site-style set from LFW: each person's first photo as the chip photo (one as JPEG 2000), the rest as camera pictures. */
async function siteSet(root: string, people: number): Promise<{ camera: number[] }> {
  const names = (await readdir(FACE_DATA)).sort().slice(0, people);
  const camera: number[] = [];
  for (const [n, name] of names.entries()) {
    const files = (await readdir(join(FACE_DATA, name))).sort();
    await mkdir(join(root, name));
    if (n === 0) await promisify(execFile)('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', join(FACE_DATA, name, files[0]!), '-c:v', 'jpeg2000', join(root, name, 'chip.jp2')]);
    else await copyFile(join(FACE_DATA, name, files[0]!), join(root, name, 'chip.jpg'));
    for (const f of files.slice(1)) await copyFile(join(FACE_DATA, name, f), join(root, name, f));
    camera.push(files.length - 1);
  }
  return { camera };
}

test('a set with chip photos (chip.jpg / chip.jp2) is scored as verifications are: chip photo vs camera picture only', async () => {
  const root = await mkdtemp(join(dir, 'site-'));
  const { camera } = await siteSet(root, 10);
  const out = join(dir, 'site-calibration.json');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runFaceCalibrateCli(['face-calibrate', root, '--out', out], { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) });
  assert.is(code, 0, stderr.join(''));
  const c = JSON.parse(await readFile(out, 'utf8')) as Calibration;
  assert.is(c.pairing, 'chip-vs-camera');
  assert.is(c.images.noFace, 0, 'the JPEG 2000 chip photo decoded and has a face');
  const total = camera.reduce((a, b) => a + b, 0);
  // Genuine: each chip photo with its own person's camera pictures; impostor: with everyone else's. No camera-camera pair.
  assert.equal(c.pairs, { genuine: total, impostor: camera.reduce((sum, own) => sum + (total - own), 0) });
  assert.is(c.heldOut!.pairs.genuine, total, 'held out: chip photo vs camera picture too');
  assert.ok(c.tarAtFar1 >= 0.8, `TAR at FAR 1 % = ${c.tarAtFar1}`);
  assert.match(stdout.join(''), /\(chip photo vs camera picture\)/);
  const twoProbes = (c.fusion as { twoProbes: { mean: { genuine: number; impostor: number } } }).twoProbes.mean;
  const withTwo = camera.filter((n) => n >= 2).length;
  assert.equal({ genuine: twoProbes.genuine, impostor: twoProbes.impostor }, { genuine: withTwo, impostor: 10 * withTwo - withTwo }, 'chip photo vs two camera pictures');

  await rm(join(root, (await readdir(root)).sort()[3]!, 'chip.jpg'));
  const mixed: string[] = [];
  assert.is(await runFaceCalibrateCli(['face-calibrate', root, '--out', out], { stdout: () => undefined, stderr: (s) => mixed.push(s) }), 2);
  assert.match(mixed.join(''), /9 people have a chip photo .* and 1 do not .*give every person one, or none/);

  // Every person has a chip photo again, but one is not a picture at all: the error names the file.
  const fourth = (await readdir(root)).sort()[3]!;
  await writeFile(join(root, fourth, 'chip.jpg'), 'not a picture');
  const corrupt: string[] = [];
  assert.is(await runFaceCalibrateCli(['face-calibrate', root, '--out', out], { stdout: () => undefined, stderr: (s) => corrupt.push(s) }), 2);
  assert.match(corrupt.join(''), new RegExp(`${fourth}/chip\\.jpg cannot be read as a chip photo`));
});

test.run();
