// CLI errors lead with the specific Vietnamese cause when the error has one; the generic line for the code
// only explains an English-only message. Checked on the formatter and on the real `xacminh` binary.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XacminhError } from '../../drivers/errors.ts';
import { OPERATOR_MESSAGES } from '../labels.ts';
import { formatCliError, hasVietnamese } from './error-report.ts';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');

test('a Vietnamese cause is the first line; the generic line for the code is left out', () => {
  const error = new XacminhError('STORAGE_FAILED', 'Không có sổ đăng ký /tmp/x/register.db: --data-dir có đúng thư mục dữ liệu của máy không? (No register at /tmp/x/register.db)');
  const { text, exitCode } = formatCliError(error);
  assert.is(exitCode, 1);
  assert.is(text.split('\n')[0], `Lỗi: ${error.message} [STORAGE_FAILED]`);
  assert.not.match(text, 'bộ nhớ đầy hoặc hỏng');
});

test('an English-only message keeps the generic Vietnamese line first, the detail after; bad input exits 2', () => {
  const { text } = formatCliError(new XacminhError('STORAGE_FAILED', 'SQLITE_FULL: database or disk is full'));
  assert.is(text, `Lỗi: ${OPERATOR_MESSAGES.STORAGE_FAILED}\n  SQLITE_FULL: database or disk is full [STORAGE_FAILED]\n`);
  assert.is(formatCliError(new XacminhError('INVALID_INPUT', 'Số định danh phải có 12 chữ số')).exitCode, 2);
  const other = formatCliError(new Error('boom'));
  assert.match(other.text, /^Lỗi không mong muốn \(unexpected error\): Error: boom/);
  assert.is(other.exitCode, 1);
});

test('Vietnamese is told from English (and from French accents) by its own letters', () => {
  assert.ok(hasVietnamese('Không có sổ đăng ký'));
  assert.ok(hasVietnamese('đầu đọc'));
  assert.not.ok(hasVietnamese('No register at /var/lib/xacminh/register.db'));
  assert.not.ok(hasVietnamese('café résumé'));
});

test('xacminh register list on a data dir without register.db: stderr opens with that cause, not "bộ nhớ đầy"', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-cli-error-'));
  try {
    const child = spawn(process.execPath, [BIN, 'register', 'list', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    assert.is(code, 1, stderr);
    const first = stderr.trim().split('\n')[0]!;
    assert.match(first, new RegExp(`^Lỗi: Không có sổ đăng ký ${join(dataDir, 'register.db').replaceAll('/', '\\/')}`));
    assert.not.match(stderr, 'bộ nhớ đầy hoặc hỏng');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
