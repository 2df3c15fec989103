// `xacminh register …` run in-process against a temp data dir filled through Register.append, as the agent does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths, loadDeviceIdentity, loadRegisterDataKey } from '../datadir.ts';
import { SAMPLE_ID_NUMBER, SAMPLE_NAME, sampleRecord } from '../events/events-test-support.ts';
import { Register } from '../register/register.ts';
import { maskIdNumber, parseRange, runRegisterCli, vietnamTime } from './register.ts';

const test = suite('xacminh register');
let root = '';
test.before(() => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-register-cli-'));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Entry 2's reasons: a chip that is not proven genuine and a face that does not match. */
const REJECTED_REASONS = [
  { code: 'CA_FAILED', messageVi: 'Chip không chứng minh được khóa xác thực chip: nghi chip sao chép.', detail: 'chip authentication failed' },
  { code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip.', detail: 'similarity 0.21 < 0.45' },
];

/** A data dir with a generated device key and `count` verifications; returns its path and the record ids. */
function dataDir(name: string, count: number): { dir: string; ids: string[]; publicKeyPem: string } {
  const dir = join(root, name);
  const paths = dataDirPaths(dir);
  const identity = loadDeviceIdentity(paths, { create: true });
  const dataKey = loadRegisterDataKey(paths, { create: true })!;
  const register = Register.open(paths.register, { deviceKey: identity.privateKey, dataKey, outboxCapacity: 1000, checkpointEvery: 5 });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({ decision: i === 1 ? 'rejected' : 'verified', operatorReference: `HĐ-${i}`, ...(i === 1 ? { reasons: REJECTED_REASONS } : {}) });
    register.append(record, { frameJpeg: new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]), events: [] });
    ids.push(record.id);
  }
  register.close();
  const publicKeyPem = join(dir, 'device-public.pem');
  writeFileSync(publicKeyPem, identity.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return { dir, ids, publicKeyPem };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRegisterCli(['register', ...argv], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

function tamper(path: string, sql: string): void {
  const db = new Database(path);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  db.exec(sql);
  db.close();
}

test('verify: exit 0 on a good register, 1 with REGISTER_TAMPERED and the seq after an edit', async () => {
  const { dir } = dataDir('verify', 7);
  const good = await cli('verify', '--data-dir', dir);
  assert.is(good.code, 0, good.err);
  assert.match(good.out, /7 mục/);
  assert.match(good.out, /signed through 7/);
  assert.match(good.out, /TOÀN VẸN/);

  tamper(dataDirPaths(dir).register, "UPDATE entries SET record_json = replace(record_json, 'Nguyễn', 'Trần') WHERE seq = 3");
  const bad = await cli('verify', '--data-dir', dir);
  assert.is(bad.code, 1);
  assert.match(bad.out, /entry 3: \[hash-mismatch\]/);
  assert.match(bad.err, /\[REGISTER_TAMPERED\]/);

  const json = await cli('verify', '--data-dir', dir, '--json');
  assert.is(json.code, 1);
  assert.is((JSON.parse(json.out) as { problems: { seq: number }[] }).problems[0]?.seq, 3);
});

test('list: a table with the decision in Vietnamese, the name and the ID number masked to its last 4 digits', async () => {
  const { dir } = dataDir('list', 4);
  const { code, out } = await cli('list', '--data-dir', dir, '--limit', '3');
  assert.is(code, 0);
  assert.ok(out.includes(SAMPLE_NAME), out);
  assert.ok(out.includes('••••••••1234'), out);
  assert.not.ok(out.includes(SAMPLE_ID_NUMBER), 'the full ID number is not listed');
  assert.match(out, /KHÔNG ĐẠT/);
  assert.match(out, /HĐ-2/);
  // Each entry's reason on its own row: the first in full, then how many more (show has them all).
  const rows = out.split('\n');
  assert.match(rows[0]!, /Lý do$/);
  assert.ok(rows.find((r) => r.startsWith('1 '))!.endsWith('Khuôn mặt khớp với ảnh trong chip'), out);
  assert.ok(rows.find((r) => r.startsWith('2 '))!.endsWith('Chip không chứng minh được khóa xác thực chip: nghi chip sao chép (+1 lý do)'), out);
  assert.not.match(out, /thật\.; Chip/);
  assert.not.match(out, /HĐ-3/, '--limit 3');
  assert.is(maskIdNumber(SAMPLE_ID_NUMBER), '••••••••1234');

  const none = await cli('list', '--data-dir', dir, '--from', '2999-01-01');
  assert.match(none.out, /^0 mục/m);
  const badFrom = await cli('list', '--data-dir', dir, '--from', 'yesterday');
  assert.is(badFrom.code, 2);
  assert.match(badFrom.err, /--from yesterday: thời điểm không hợp lệ/);
  const badLimit = await cli('list', '--data-dir', dir, '--limit', 'all');
  assert.is(badLimit.code, 2);
  assert.match(badLimit.err, /--limit phải là số nguyên từ 1 đến 100000, không phải "all"/);
});

test('show: the full record with Vietnamese labels, by id or number; --frame writes the camera frame 0600', async () => {
  const { dir, ids } = dataDir('show', 3);
  const frame = join(root, 'frame.jpg');
  const { code, out, err } = await cli('show', ids[2]!, '--data-dir', dir, '--frame', frame);
  assert.is(code, 0, err);
  assert.match(out, /Số định danh cá nhân\s+: 079203001234/);
  assert.match(out, /Họ và tên\s+: Nguyễn Văn Thử/);
  assert.match(out, /Kết quả\s+: ĐẠT$/m);
  assert.match(out, /Thẻ thật \(chip\)\s+: thẻ thật; giao thức BAC$/m);
  assert.match(out, /xác thực chủ động đạt; xác thực chip không kiểm tra$/m);
  assert.match(out, /Khuôn mặt\s+: khớp với ảnh trong chip; độ giống 0\.710 \/ ngưỡng 0\.450$/m);
  assert.match(out, /Người thật\s+: người thật; thử thách chớp mắt đạt$/m);
  assert.match(out, /đọc chip 2100 ms xong/);
  // The Vietnamese view carries no English labels or values; they stay in --json.
  for (const english of ['verified', 'genuine', 'passed', 'not-checked', 'similarity', 'passive', 'active', 'live', 'blink', 'read-chip', ' ok']) {
    assert.not.ok(out.includes(english), `"${english}" in:\n${out}`);
  }
  const json = JSON.parse((await cli('show', ids[2]!, '--data-dir', dir, '--json')).out) as { record: { decision: string; chip: { verdict: string } } };
  assert.is(json.record.decision, 'verified');
  assert.is(json.record.chip.verdict, 'genuine');
  assert.equal([...readFileSync(frame)], [0xff, 0xd8, 2, 0xff, 0xd9]);
  assert.is(statSync(frame).mode & 0o777, 0o600);
  const bySeq = await cli('show', '2', '--data-dir', dir);
  assert.match(bySeq.out, /Kết quả\s+: KHÔNG ĐẠT$/m);
  // Every reason on its own numbered line, with its code for the technician.
  assert.match(bySeq.out, /Lý do\s+: 1\. Chip không chứng minh được khóa xác thực chip: nghi chip sao chép\. \(mã CA_FAILED\)\n\s+: 2\. Khuôn mặt không khớp với ảnh trong chip\. \(mã face-no-match\)\n/);
  // Without the data key (a user who may not read it), the personal data reads as locked, never as garbage.
  rmSync(dataDirPaths(dir).registerDataKey);
  const locked = await cli('show', '1', '--data-dir', dir);
  assert.is(locked.code, 0, locked.err);
  assert.not.match(locked.out, /Nguyễn Văn Thử/);
  assert.match(locked.out, /Dữ liệu cá nhân đã mã hóa/);
  const lockedList = await cli('list', '--data-dir', dir);
  assert.not.ok(lockedList.out.includes(SAMPLE_NAME));
  assert.match(lockedList.out, /Dữ liệu cá nhân đã mã hóa/);
  const inspected = Register.open(dataDirPaths(dir).register, { deviceKey: loadDeviceIdentity(dataDirPaths(dir), { create: false }).privateKey, outboxCapacity: 10 });
  inspected.appendEntry('purge', { before: '2026-01-01T00:00:00.000Z', retentionDays: 30, purged: 0, fromSeq: null, toSeq: null });
  inspected.close();
  const other = await cli('show', '4', '--data-dir', dir);
  assert.is(other.code, 0, other.err);
  assert.match(other.out, /Loại\s+: xóa dữ liệu cá nhân hết hạn lưu giữ \(purge\)/);
  assert.match(other.out, /"retentionDays":30/);
  const missing = await cli('show', 'NOPE', '--data-dir', dir);
  assert.is(missing.code, 2);
  assert.match(missing.err, /Không có mục NOPE trong sổ đăng ký/);
});

test('export --out writes a 0600 file and says it holds personal data; verify-export passes with the device key, fails on an edited line', async () => {
  const { dir, publicKeyPem } = dataDir('export', 6);
  const out = join(root, 'police', 'export.jsonl');
  const exported = await cli('export', '--data-dir', dir, '--out', out, '--frames');
  assert.is(exported.code, 0, exported.err);
  assert.is(statSync(out).mode & 0o777, 0o600);
  assert.match(exported.err, /DỮ LIỆU CÁ NHÂN/);
  assert.match(exported.err, /PERSONAL DATA/);

  const checked = await cli('verify-export', out, '--public-key', publicKeyPem);
  assert.is(checked.code, 0, checked.out + checked.err);
  assert.match(checked.out, /signed through: 6/);

  // Without the terminal's key it cannot tell, says so in both languages, and does not pass (exit 2, not 0).
  const keyless = await cli('verify-export', out);
  assert.is(keyless.code, 2);
  assert.match(keyless.out, /KHÔNG THỂ KẾT LUẬN/);
  assert.match(keyless.out, /CANNOT TELL/);
  assert.match(keyless.err, /needs --public-key.*\[INVALID_INPUT\]/);
  assert.not.match(keyless.out, /TOÀN VẸN/);

  const lines = readFileSync(out, 'utf8').split('\n');
  const entry = JSON.parse(lines[4]!) as { seq: number; publicJson: string };
  entry.publicJson = entry.publicJson.replace('"verified"', '"rejected"');
  lines[4] = JSON.stringify(entry);
  const edited = join(root, 'edited.jsonl');
  writeFileSync(edited, lines.join('\n'));
  const bad = await cli('verify-export', edited, '--public-key', publicKeyPem);
  assert.is(bad.code, 1);
  assert.match(bad.out, new RegExp(`entry ${entry.seq}: \\[hash-mismatch\\]`));
  assert.match(bad.err, /REGISTER_TAMPERED/);

  const { publicKeyPem: otherKey } = dataDir('other', 1);
  const foreign = await cli('verify-export', out, '--public-key', otherKey);
  assert.is(foreign.code, 1);
  assert.match(foreign.out, /bad-checkpoint/);
});

test('export --from-seq/--to-seq; a dropped head with a patched header fails verify-export at the header', async () => {
  const { dir, publicKeyPem } = dataDir('seq', 8);
  const out = join(root, 'seq.jsonl');
  const exported = await cli('export', '--data-dir', dir, '--out', out, '--from-seq', '2', '--to-seq', '6');
  assert.is(exported.code, 0, exported.err);
  assert.match(exported.out, /Đã xuất 5 mục \(số 2–6\)/);
  const checked = await cli('verify-export', out, '--public-key', publicKeyPem, '--json');
  assert.is(checked.code, 0, checked.out);
  assert.equal((JSON.parse(checked.out) as { fromSeq: number; toSeq: number; signedThrough: number }).signedThrough, 6);
  // The device's certificate works as well as its bare public key (a self-signed one here, made by the real openssl).
  const cert = join(root, 'device-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-new', '-key', dataDirPaths(dir).deviceKey, '-subj', '/CN=xacminh-test', '-days', '1', '-out', cert], { stdio: 'pipe' });
  const byCert = await cli('verify-export', out, '--public-key', cert);
  assert.is(byCert.code, 0, byCert.out + byCert.err);
  assert.match(byCert.out, /CN=xacminh-test/);

  // --ca: the certificate must be issued by the site's CA (a CA and a device certificate made by openssl).
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: root });
  const makeCa = (name: string) => openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-days', '1', '-out', `${name}.pem`);
  makeCa('site-ca');
  makeCa('other-ca');
  openssl('req', '-new', '-key', dataDirPaths(dir).deviceKey, '-subj', '/CN=dev-a', '-out', 'dev.csr');
  openssl('x509', '-req', '-in', 'dev.csr', '-CA', 'site-ca.pem', '-CAkey', 'site-ca.key', '-set_serial', '7', '-days', '1', '-out', 'dev-cert.pem');
  const issued = await cli('verify-export', out, '--public-key', join(root, 'dev-cert.pem'), '--ca', join(root, 'site-ca.pem'));
  assert.is(issued.code, 0, issued.out + issued.err);
  assert.match(issued.out, /issued by the CA/);
  const wrongCa = await cli('verify-export', out, '--public-key', join(root, 'dev-cert.pem'), '--ca', join(root, 'other-ca.pem'));
  assert.is(wrongCa.code, 2);
  assert.match(wrongCa.err, /was not issued by the CA/);
  assert.is((await cli('verify-export', out, '--public-key', cert, '--ca', join(root, 'site-ca.pem'))).code, 2, 'a self-signed certificate is not the CA\'s');
  const bare = await cli('verify-export', out, '--public-key', publicKeyPem, '--ca', join(root, 'site-ca.pem'));
  assert.is(bare.code, 2);
  assert.match(bare.err, /bare key: with --ca, give the terminal's certificate/);

  // The forger drops entries 2 and 3 and makes the header start at 4, anchored on entry 3's hash.
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const header = lines[0] as { range: { fromSeq: number; entries: number }; previousHash: string };
  const kept = lines.slice(1).filter((l) => !(l.type === 'entry' && (l.seq as number) < 4) && !(l.type === 'checkpoint' && (l.seq as number) < 4));
  header.range.fromSeq = 4;
  header.range.entries = 3;
  header.previousHash = String(lines.find((l) => l.type === 'entry' && l.seq === 3)!.hash);
  const forged = join(root, 'forged.jsonl');
  writeFileSync(forged, [header, ...kept].map((l) => JSON.stringify(l)).join('\n'));
  const bad = await cli('verify-export', forged, '--public-key', publicKeyPem);
  assert.is(bad.code, 1);
  assert.match(bad.out, /\[header-mismatch\]/);
  assert.match(bad.err, /REGISTER_TAMPERED/);

  assert.is((await cli('export', '--data-dir', dir, '--out', out, '--from-seq', 'two')).code, 2);
  assert.is((await cli('export', '--data-dir', dir, '--out', out, '--from-seq', '2', '--from', '2026-11-22')).code, 2);
  assert.is((await cli('export', '--data-dir', dir, '--out', out, '--from-seq', '9')).code, 2);
  let help = '';
  await runRegisterCli(['register', 'verify-export', '--help'], { stdout: (s) => (help += s), stderr: (s) => (help += s) });
  assert.match(help, /key is required/);
  assert.match(help, /2 bad input \(INVALID_INPUT\), including no --public-key/);
});

test('clear errors: a wrong data dir, a data dir without a register, an unreadable export', async () => {
  const wrong = await cli('verify', '--data-dir', join(root, 'nowhere'));
  assert.is(wrong.code, 1);
  assert.match(wrong.err, /Không có thư mục dữ liệu .*nowhere: hãy chỉ ra đúng thư mục dữ liệu của máy bằng --data-dir/);
  assert.match(wrong.err, /does not exist: pass --data-dir/);
  const emptyDir = join(root, 'empty');
  dataDirPaths(emptyDir);
  loadDeviceIdentity(dataDirPaths(emptyDir), { create: true });
  const noRegister = await cli('list', '--data-dir', emptyDir);
  assert.is(noRegister.code, 1);
  assert.match(noRegister.err, /Không có sổ đăng ký .*register\.db/);
  assert.match(noRegister.err, /No register at .*register\.db/);
  const notFound = await cli('verify-export', join(root, 'absent.jsonl'));
  assert.is(notFound.code, 2);
  const garbage = join(root, 'garbage.jsonl');
  writeFileSync(garbage, 'hello\n');
  const { publicKeyPem } = dataDir('garbage-key', 1);
  assert.is((await cli('verify-export', garbage, '--public-key', publicKeyPem)).code, 1);
  const notAKey = await cli('verify-export', garbage, '--public-key', garbage);
  assert.is(notAKey.code, 2);
  assert.match(notAKey.err, /not a readable PEM public key/);
});

test('dates are shown and taken in Vietnam time', () => {
  assert.is(vietnamTime('2026-11-22T17:30:05.000Z'), '23/11/2026 00:30:05');
  assert.equal(parseRange('2026-11-22', '2026-11-22'), { from: '2026-11-21T17:00:00.000Z', to: '2026-11-22T17:00:00.000Z' });
  assert.throws(() => parseRange('2026-11-23', '2026-11-22'), /not before/);
});

test.run();
