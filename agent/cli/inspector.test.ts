import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyAccountPassword } from '../accounts/accounts.ts';
import { runCommandCli } from './cli-io.ts';
import { registerInspectorCommand } from './inspector.ts';

const test = suite('inspector command');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-inspector-cli-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let exit = 0;
  const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) };
  const code = await runCommandCli(['inspector', ...argv, '--data-dir', dir], io, (program) => {
    registerInspectorCommand(program, io, (c) => (exit = c));
    return () => exit;
  });
  return { code, out, err };
}

const passwordIn = (out: string) => /Mật khẩu: (\S+)/.exec(out)?.[1] ?? '';

test('add prints a password once that logs in; add again is refused; reset-password replaces it; list never shows one', async () => {
  const added = await cli('add', 'canbo.phuong1');
  assert.is(added.code, 0, added.err);
  assert.match(added.out, 'Đã tạo tài khoản cán bộ kiểm tra "canbo.phuong1"');
  const first = passwordIn(added.out);
  assert.is(first.length, 16);
  assert.equal(await verifyAccountPassword(dir, 'canbo.phuong1', first), { username: 'canbo.phuong1', role: 'inspector' });
  assert.is(statSync(join(dir, 'accounts.json')).mode & 0o777, 0o600);

  const again = await cli('add', 'canbo.phuong1');
  assert.is(again.code, 2);
  assert.match(again.err, 'Đã có tài khoản "canbo.phuong1"');

  const reset = await cli('reset-password', 'canbo.phuong1');
  assert.is(reset.code, 0, reset.err);
  const second = passwordIn(reset.out);
  assert.is.not(second, first);
  assert.is(await verifyAccountPassword(dir, 'canbo.phuong1', first), undefined, 'the old password no longer works');
  assert.ok(await verifyAccountPassword(dir, 'canbo.phuong1', second));

  const list = await cli('list');
  assert.is(list.code, 0);
  assert.match(list.out, '1 tài khoản cán bộ kiểm tra');
  assert.match(list.out, 'canbo.phuong1');
  assert.not.match(list.out, second);
});

test('bad names and unknown accounts exit 2 with the cause in Vietnamese', async () => {
  const bad = await cli('add', 'Cán Bộ');
  assert.is(bad.code, 2);
  assert.match(bad.err, 'Tên đăng nhập "Cán Bộ" không hợp lệ');
  const unknown = await cli('reset-password', 'nobody');
  assert.is(unknown.code, 2);
  assert.match(unknown.err, 'Không có tài khoản cán bộ kiểm tra "nobody"');
});

test.run();
