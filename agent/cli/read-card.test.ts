// The `xacminh` command as a user runs it: a child process, its output and exit code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoIdNumber } from '../../drivers/sim/make-card.ts';
import { generatePersona } from '../../drivers/sim/persona.ts';

const bin = resolve(import.meta.dirname, '../bin/xacminh.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('--help lists read-card; the README names the demo card that --sim really holds', async () => {
  const r = await run(['--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /read-card/);
  const readme = await readFile(resolve(import.meta.dirname, '../../README.md'), 'utf8');
  assert.match(readme, `read-card --sim --id ${demoIdNumber()}`);
});

test('read-card --sim --id prints every DG13 field with Vietnamese labels and saves the photo', async () => {
  const out = await mkdtemp(join(tmpdir(), 'xacminh-cli-'));
  const id = demoIdNumber();
  const r = await run(['read-card', '--sim', '--id', id, '--out', out]);
  assert.is(r.code, 0, r.stderr);
  const persona = generatePersona(20260101);
  assert.match(r.stdout, `Số định danh cá nhân`);
  assert.match(r.stdout, persona.fullName);
  assert.match(r.stdout, persona.placeOfResidence);
  assert.match(r.stdout, persona.fatherName);
  const photo = await readFile(join(out, 'photo.jpg'));
  assert.equal([...photo.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  assert.is((await stat(join(out, 'photo.jpg'))).mode & 0o777, 0o600);
});

test('read-card --json gives machine-readable data', async () => {
  const out = await mkdtemp(join(tmpdir(), 'xacminh-cli-'));
  const r = await run(['read-card', '--sim', '--id', demoIdNumber(), '--json', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    accessProtocol: string;
    personalData: { idNumber: string };
    photo: { format: string };
    authenticity: { verdict: string; passive: { ok: boolean } };
  };
  assert.is(json.accessProtocol, 'PACE');
  // The simulator's data is signed by its test CSCA and its chip holds the DG15 key: PA and AA pass.
  assert.ok(json.authenticity.passive.ok);
  assert.is(json.authenticity.verdict, 'genuine');
  assert.is(json.personalData.idNumber, demoIdNumber());
  assert.is(json.photo.format, 'jpeg');
});

test('a wrong ID number: exit 1 and a message saying what to re-check', async () => {
  const wrong = demoIdNumber().replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  const r = await run(['read-card', '--sim', '--id', wrong]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /ACCESS_DENIED/);
  assert.match(r.stderr, /re-check the 12-digit ID number/);
});

test('bad input: exit 2 before touching a card', async () => {
  const r = await run(['read-card', '--sim', '--id', '12345']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /12 digits/);
});

test.run();
