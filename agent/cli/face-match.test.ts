import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { faceFile } from '../../models/test-faces.ts';
import { runFaceMatchCli } from './face-match.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacminh-face-match-'));
  await mkdir(join(dir, 'ari'));
  await copyFile(faceFile('Ari_Fleischer_0002.jpg'), join(dir, 'ari', 'a.jpg'));
  await copyFile(faceFile('Ari_Fleischer_0004.jpg'), join(dir, 'ari', 'b.jpg'));
  // A tiny runner, as the lead will wire the command into agent/cli/main.ts.
  await writeFile(
    join(dir, 'run.mts'),
    `import { runFaceMatchCli } from ${JSON.stringify(pathToFileURL(join(repo, 'agent/cli/face-match.ts')).href)};\n` +
      'process.exitCode = await runFaceMatchCli(process.argv.slice(2));\n',
  );
});
test.after(async () => rm(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(dir, 'run.mts'), ...args], { cwd: repo, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('face-match in a child process: one person → match (exit 0), another → no match (exit 3), with scores', async () => {
  const same = await cli(['face-match', '--photo', faceFile('Ari_Fleischer_0003.jpg'), '--frames', join(dir, 'ari'), '--no-liveness']);
  assert.is(same.code, 0, same.stderr);
  assert.match(same.stdout, 'KHỚP — cùng một người (match)');
  assert.match(same.stdout, /similarity 0\.\d{4} ≥ threshold 0\.\d{4}/);
  assert.match(same.stdout, 'liveness: NOT CHECKED');
  assert.match(same.stderr, '--no-liveness');

  const other = await cli(['face-match', '--photo', faceFile('Ben_Affleck_0003.jpg'), '--frames', join(dir, 'ari'), '--no-liveness', '--json']);
  assert.is(other.code, 3, other.stderr);
  const evidence = JSON.parse(other.stdout) as { decision: string; similarity: number; threshold: number; decisionVi: string; liveness: unknown };
  assert.is(evidence.decision, 'no-match');
  assert.ok(evidence.similarity < evidence.threshold);
  assert.is(evidence.liveness, null);
});

test('face-match without --no-liveness: stills are not live (exit 3)', async () => {
  const out: string[] = [];
  const code = await runFaceMatchCli(['face-match', '--photo', faceFile('Ari_Fleischer_0003.jpg'), '--frames', join(dir, 'ari'), '--timeout', '3', '--json'], {
    stdout: (s) => out.push(s),
    stderr: () => undefined,
  });
  assert.is(code, 3);
  assert.is((JSON.parse(out.join('')) as { decision: string }).decision, 'not-live');
});

test('bad input is exit 2, a corrupt photo exit 1', async () => {
  const io = { stdout: () => undefined, stderr: () => undefined };
  assert.is(await runFaceMatchCli(['face-match', '--frames', dir], io), 2); // no --photo
  assert.is(await runFaceMatchCli(['face-match', '--photo', faceFile('Ari_Fleischer_0003.jpg')], io), 2); // no frames
  assert.is(await runFaceMatchCli(['face-match', '--photo', join(dir, 'nope.jpg'), '--frames', dir], io), 2);
  const photo = faceFile('Ari_Fleischer_0003.jpg');
  for (const bad of [['--turn-degrees', '5'], ['--turn-degrees', 'far'], ['--nod-degrees', '90']]) {
    assert.is(await runFaceMatchCli(['face-match', '--photo', photo, '--frames', dir, ...bad], io), 2, bad.join(' '));
  }
  await writeFile(join(dir, 'bad.jpg'), Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3));
  assert.is(await runFaceMatchCli(['face-match', '--photo', join(dir, 'bad.jpg'), '--frames', join(dir, 'ari'), '--no-liveness'], io), 1);
});

test.run();
