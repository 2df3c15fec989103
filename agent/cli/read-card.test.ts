// The `xacminh` command as a user runs it: a child process, its output and exit code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CARD_FAULTS, type CardFault } from '../../drivers/sim/card-faults.ts';
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

test('read-card on the genuine virtual card: THẺ THẬT with PA, AA and CA all passed, exit 0', async () => {
  const r = await run(['read-card', '--sim', '--id', demoIdNumber(), '--out', await mkdtemp(join(tmpdir(), 'xacminh-cli-'))]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIỂM TRA CHIP: THẺ THẬT \(genuine\)/);
  assert.match(r.stdout, /Xác thực thụ động \(PA\): đạt/);
  assert.match(r.stdout, /Xác thực chủ động \(AA\): đạt/);
  assert.match(r.stdout, /Xác thực chip \(CA\):\s+đạt/);
});

// What each misbehaving card must make the terminal say: the verdict, and the reason in its words.
const FAULT_EXPECTATIONS: Record<CardFault, { verdict: string; code: number; says: RegExp }> = {
  'altered-dg13': { verdict: 'KHÔNG PHẢI THẺ THẬT', code: 3, says: /Dữ liệu trên chip đã bị sửa[\s\S]*DG13 was altered after the card was issued/ },
  'unknown-csca': { verdict: 'KHÔNG PHẢI THẺ THẬT', code: 3, says: /is not in the trust store|but not the key that issued this document signer/ },
  'expired-ds': { verdict: 'KHÔNG PHẢI THẺ THẬT', code: 3, says: /document signer certificate expired/ },
  'wrong-aa': { verdict: 'KHÔNG PHẢI THẺ THẬT', code: 3, says: /Xác thực chủ động \(AA\): không đạt[\s\S]*clone suspected/ },
  'wrong-ca': { verdict: 'KHÔNG PHẢI THẺ THẬT', code: 3, says: /Xác thực chip \(CA\):\s+không đạt[\s\S]*clone suspected/ },
  'no-aa': { verdict: 'THẺ THẬT', code: 0, says: /Xác thực chủ động \(AA\): thẻ không hỗ trợ — The card offers no Active Authentication/ },
  'no-aa-no-ca': { verdict: 'CHƯA KẾT LUẬN ĐƯỢC', code: 3, says: /neither Active nor Chip Authentication/ },
};

test('read-card --sim-fault: each misbehaving card gets its verdict and says why', async () => {
  const results = await Promise.all(
    Object.keys(CARD_FAULTS).map(async (fault) => ({
      fault: fault as CardFault,
      r: await run(['read-card', '--sim', '--sim-fault', fault, '--id', demoIdNumber(), '--out', await mkdtemp(join(tmpdir(), 'xacminh-cli-'))]),
    })),
  );
  for (const { fault, r } of results) {
    const want = FAULT_EXPECTATIONS[fault];
    assert.is(r.code, want.code, `${fault}: ${r.stderr}`);
    assert.ok(r.stdout.includes(`KIỂM TRA CHIP: ${want.verdict} (`), `${fault}: ${r.stdout.slice(-600)}`);
    assert.match(r.stdout, want.says, fault);
  }
});

test('--sim-fault without --sim, or an unknown fault: bad input, exit 2', async () => {
  const withoutSim = await run(['read-card', '--sim-fault', 'wrong-ca', '--id', demoIdNumber()]);
  assert.is(withoutSim.code, 2);
  assert.match(withoutSim.stderr, /--sim-fault needs --sim/);
  const unknown = await run(['read-card', '--sim', '--sim-fault', 'nonsense', '--id', demoIdNumber()]);
  assert.is(unknown.code, 1); // commander refuses an unknown choice before our code runs
  assert.match(unknown.stderr, /Allowed choices are/);
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
