import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelIdentity, type EmbeddingModelSpec } from '../../models/embedder.ts';
import type { ModelCheck } from '../../models/model-check.ts';
import { FACERES_DIR, faceresSpec, fixedBatchFaceresSpec, sha256Of } from '../../models/test-provisioned.ts';
import { readCalibration } from '../../models/threshold.ts';
import { runFaceModelCli } from './face-model.ts';

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacminh-face-model-'));
});
test.after(async () => rm(dir, { recursive: true, force: true }));

function capture() {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  return { out, io: { stdout: (s: string) => out.stdout.push(s), stderr: (s: string) => out.stderr.push(s) } };
}

test('face-model --pin writes the real SHA-256s into a spec, then says what is left: calibration; calibrated, it is ready', async () => {
  const spec = await faceresSpec(dir, { sha256: '0'.repeat(64), files: [{ path: 'faceres.bin', sha256: '1'.repeat(64) }] });
  const unpinned = capture();
  assert.is(await runFaceModelCli(['face-model', spec], unpinned.io), 1, 'a wrong hash stops the model from loading');
  assert.match(unpinned.out.stderr.join(''), /does not match its spec/);

  const pinned = capture();
  assert.is(await runFaceModelCli(['face-model', spec, '--pin', '--json'], pinned.io), 3, pinned.out.stderr.join(''));
  const written = JSON.parse(await readFile(spec, 'utf8')) as EmbeddingModelSpec;
  assert.is(written.sha256, sha256Of(new Uint8Array(await readFile(join(FACERES_DIR, 'faceres.json')))));
  assert.equal(written.files, [{ path: 'faceres.bin', sha256: sha256Of(new Uint8Array(await readFile(join(FACERES_DIR, 'faceres.bin')))) }]);
  assert.match(pinned.out.stderr.join(''), /Pinned in .*faceres\.json: sha256 [0-9a-f]{64}\n.*faceres\.bin: sha256/s);
  const check = JSON.parse(pinned.out.stdout.join('')) as ModelCheck;
  assert.is(check.embeddingSize, 1024);
  assert.ok(check.batches);
  assert.ok(check.differentInputsCosine < 0.9, `a face model tells a gradient from noise: cosine ${check.differentInputsCosine}`);
  assert.is(check.calibration.state, 'missing');
  assert.equal(check.problems.length, 1);
  assert.match(check.problems[0]!, /not calibrated: run XACMINH_FACE_MODEL=.* xacminh face-calibrate/);

  await writeFile(join(dir, 'faceres.calibration.json'), JSON.stringify({ ...readCalibration(), model: { name: 'faceres', sha256: modelIdentity(written) } }));
  const ready = capture();
  assert.is(await runFaceModelCli(['face-model', spec, '--pin'], ready.io), 0, ready.out.stdout.join(''));
  assert.match(ready.out.stderr.join(''), /every file already pinned/);
  assert.match(ready.out.stdout.join(''), /224² input, 1024-D, \d+ ms per face\n/);
  assert.match(ready.out.stdout.join(''), /Ready: start the agent with XACMINH_FACE_MODEL/);
});

test('face-model: a model exported with a fixed batch of one face is told to declare maxBatch', async () => {
  const fixed = capture();
  assert.is(await runFaceModelCli(['face-model', await fixedBatchFaceresSpec(dir), '--json'], fixed.io), 3);
  const check = JSON.parse(fixed.out.stdout.join('')) as ModelCheck;
  assert.is(check.batches, false);
  assert.ok(check.problems.some((p) => /add "maxBatch": 1/.test(p)), JSON.stringify(check.problems));
  const declared = capture();
  await runFaceModelCli(['face-model', await fixedBatchFaceresSpec(dir, { maxBatch: 1 }), '--json'], declared.io);
  assert.ok(!(JSON.parse(declared.out.stdout.join('')) as ModelCheck).problems.some((p) => /maxBatch/.test(p)));
});

test('face-model --pin: new weights under the same model.json make the calibration stale; stray files entries go', async () => {
  const copy = await mkdtemp(join(dir, 'copy-'));
  await copyFile(join(FACERES_DIR, 'faceres.json'), join(copy, 'faceres.json'));
  const bin = new Uint8Array(await readFile(join(FACERES_DIR, 'faceres.bin')));
  await writeFile(join(copy, 'faceres.bin'), bin);
  const spec = await faceresSpec(dir, { path: join(copy, 'faceres.json') });
  const pinned = JSON.parse(await readFile(spec, 'utf8')) as EmbeddingModelSpec;
  await writeFile(join(dir, 'faceres.calibration.json'), JSON.stringify({ ...readCalibration(), model: { name: 'faceres', sha256: modelIdentity(pinned) } }));
  await writeFile(spec, JSON.stringify({ ...pinned, files: [...pinned.files, { path: 'vocab.txt', sha256: 'a'.repeat(64) }] }));
  bin[4000]! ^= 1; // retrained weights, same graph (the low byte of a float in the first kernel)
  await writeFile(join(copy, 'faceres.bin'), bin);
  const c = capture();
  assert.is(await runFaceModelCli(['face-model', spec, '--pin', '--json'], c.io), 3, c.out.stderr.join(''));
  assert.match(c.out.stderr.join(''), /faceres\.bin: sha256 [0-9a-f]{64}/);
  assert.match(c.out.stderr.join(''), /vocab\.txt: removed \(not a weight file/);
  assert.equal((JSON.parse(await readFile(spec, 'utf8')) as EmbeddingModelSpec).files.map((f) => f.path), ['faceres.bin']);
  const check = JSON.parse(c.out.stdout.join('')) as ModelCheck;
  assert.is(check.calibration.state, 'other-weights');
  assert.ok(check.problems.some((p) => /was made for other weights: run XACMINH_FACE_MODEL=/.test(p)), JSON.stringify(check.problems));
});

test('face-model: bad input is exit 2 with the reason', async () => {
  const notJson = join(dir, 'broken.json');
  await writeFile(notJson, '{ "name": ');
  const c = capture();
  assert.is(await runFaceModelCli(['face-model', notJson, '--pin'], c.io), 2);
  assert.match(c.out.stderr.join(''), /is not JSON/);
  const noFile = join(dir, 'nofile.json');
  await writeFile(noFile, JSON.stringify({ format: 'onnx', path: 'absent.onnx' }));
  const d = capture();
  assert.is(await runFaceModelCli(['face-model', noFile, '--pin'], d.io), 2);
  assert.match(d.out.stderr.join(''), /absent\.onnx cannot be read/);
  assert.is(await runFaceModelCli(['face-model'], capture().io), 2);
  const missing = capture();
  assert.is(await runFaceModelCli(['face-model', join(dir, 'absent-spec.json')], missing.io), 2, 'without --pin too');
  assert.match(missing.out.stderr.join(''), /absent-spec\.json .*is missing or not JSON/);
  const nullSpec = join(dir, 'null.json');
  await writeFile(nullSpec, 'null');
  const n = capture();
  assert.is(await runFaceModelCli(['face-model', nullSpec, '--pin'], n.io), 2);
  assert.match(n.out.stderr.join(''), /is not a JSON object/);
  const invalid = capture();
  assert.is(await runFaceModelCli(['face-model', noFile], invalid.io), 2, 'a spec that fails the schema');
  assert.match(invalid.out.stderr.join(''), /sha256/);
});

test.run();
