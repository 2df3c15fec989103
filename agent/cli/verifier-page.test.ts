import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifierPageHtml } from '../register/verifier-page/html.ts';
import { runVerifierPageCli } from './verifier-page.ts';

const test = suite('xacminh register verifier-page');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-verifier-page-cli-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s) } };
}

test('writes the page to --out (0644, the same page the terminal serves) and prints its SHA-256', async () => {
  const file = join(dir, 'sub', 'kiem-tra.html');
  const { out, io: cliIo } = io();
  assert.is(await runVerifierPageCli(['register', 'verifier-page', '--out', file], cliIo), 0, out.stderr);
  const html = readFileSync(file, 'utf8');
  assert.is(html, await verifierPageHtml());
  assert.is(statSync(file).mode & 0o777, 0o644);
  assert.ok(out.stdout.includes(createHash('sha256').update(html).digest('hex')), out.stdout);
  assert.match(out.stdout, /^Đã ghi trang kiểm tra bản xuất/);
});

test('--out a folder, or no --out: bad input (exit 2) with the reason', async () => {
  const { out, io: cliIo } = io();
  assert.is(await runVerifierPageCli(['register', 'verifier-page', '--out', dir], cliIo), 2);
  assert.match(out.stderr, /là một thư mục/);
  assert.is(await runVerifierPageCli(['register', 'verifier-page'], io().io), 2);
});

test.run();
