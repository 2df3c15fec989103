// `xacminh provision` end to end: the reference enrolment service over real HTTPS on 127.0.0.1, an answers
// file, an idempotent re-run, a changed field, prompts through piped stdin, and `provision status`.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths } from '../datadir.ts';
import { loadConfigFile } from '../config/load.ts';
import { generatePkiVariant } from '../../drivers/sim/test-pki-variants.ts';
import { certificateStatus, enrolDevice } from '../../provisioning/est/enrol.ts';
import { startTestService, type TestService } from '../../provisioning/est/est-test-support.ts';
import { verifyAccountPassword } from '../accounts/accounts.ts';
import type { ProvisionStatus } from '../../provisioning/provision/status.ts';
import { runCommandCli } from './cli-io.ts';
import { registerProvisionCommand } from './provision.ts';

const test = suite('xacminh provision');
let service: TestService;
const work = mkdtempSync(join(tmpdir(), 'xacminh-provision-'));
const unitPath = join(work, 'xacminh.service');
const csca = join(work, 'csca.der');
writeFileSync(csca, generatePkiVariant({ country: 'VN' }).cscaCertificate);

test.before(async () => {
  service = await startTestService({ sites: [{ siteId: 'site-1', profile: { businessName: 'Tiệm cầm đồ Phú Quý', policeUnit: 'Công an phường Bến Nghé' } }] });
});
test.after(async () => {
  await service.dispose();
  rmSync(work, { recursive: true, force: true });
});

async function cli(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) };
  const code = await runCommandCli(argv, io, (program) => {
    let exit = -1;
    registerProvisionCommand(program, io, (c) => (exit = c), { enrol: enrolDevice, certificateStatus, input: Readable.from([stdin]), unitPath });
    return () => exit;
  });
  return { code, out, err };
}

function answers(dataDir: string, code: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enrolment: { url: service.url, caFingerprint: service.fingerprint, code },
    siteId: 'site-1',
    deviceId: 'quay-1',
    // businessName and policeUnit come from the signed site bundle.
    profile: { licenceNumber: '0312345678', businessType: 'pawnshop', address: '12 Lê Lợi, Quận 1', contact: { name: 'Nguyễn Văn A', phone: '0901234567' }, retentionDays: 730, faceRequired: true },
    accounts: [{ username: 'kythuat', role: 'technician' }, { username: 'canhsat', role: 'inspector' }],
    trust: { import: ['csca.der'] },
    devices: { camera: { kind: 'rpicam' } },
    dataDir,
    ...overrides,
  };
}

function answersFile(name: string, content: unknown): string {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

test('an answers file with bad fields: exit 2, one error naming every wrong field, nothing written', async () => {
  const dataDir = join(work, 'bad');
  const bad = answers(dataDir, 'x', { siteId: 'a/b', accounts: [{ username: 'kythuat', role: 'admin' }], devices: { camera: { kind: 'v4l2', devcie: '/dev/video1' } }, colour: 'red' });
  (bad.enrolment as Record<string, unknown>).caFingerprint = 'not-a-fingerprint';
  const { code, err } = await cli(['provision', '--answers', answersFile('bad.json', bad)]);
  assert.is(code, 2);
  for (const path of ['siteId', 'accounts.0.role', 'devices.camera.devcie', 'colour', 'enrolment.caFingerprint', 'enrolment.code']) assert.match(err, `${path}:`, path);
  assert.match(err, 'Câu trả lời không hợp lệ');
  assert.match(err, 'devices.camera.devcie — trường không được phép');
  assert.is(service.requests.length, 0, 'nothing sent');
});

const dataDir = join(work, 'terminal');
let firstCode = '';

test('from scratch: enrolled, trust imported, site.json written for the agent, accounts with first passwords shown once', async () => {
  firstCode = service.issueCode('site-1');
  const { code, out, err } = await cli(['provision', '--answers', answersFile('answers.json', answers(dataDir, firstCode))]);
  assert.is(code, 0, out + err);
  assert.match(out, '[ĐÃ CẬP NHẬT] Danh tính thiết bị');
  assert.match(out, '[ĐÃ CẬP NHẬT] Kho tin cậy');
  assert.match(out, '[ĐÃ CẬP NHẬT] Cấu hình cơ sở');
  assert.match(out, '[ĐÃ CẬP NHẬT] Tài khoản');
  assert.match(out, 'CHỈ HIỆN MỘT LẦN');
  const password = /kythuat: ([A-Za-z2-9]{16})/.exec(out)?.[1];
  assert.ok(password, out);
  assert.ok(await verifyAccountPassword(dataDir, 'kythuat', password));

  const { config } = await loadConfigFile(dataDirPaths(dataDir).siteConfig);
  assert.equal(config.mqtt, { kind: 'broker', url: 'mqtts://127.0.0.1:8883', caFile: 'identity/broker-ca.pem', certFile: 'identity/device-cert.pem', keyFile: 'identity/device-key.pem', protocolVersion: 5 });
  assert.is(config.version, 2);
  assert.is(config.site?.businessName, 'Tiệm cầm đồ Phú Quý');
  assert.is(config.site?.policeUnit, 'Công an phường Bến Nghé');
  assert.is(config.site?.address, '12 Lê Lợi, Quận 1');
  assert.equal([config.siteId, config.deviceId, config.reader.kind, config.camera.kind], ['site-1', 'quay-1', 'pcsc', 'rpicam']);
  assert.is(statSync(dataDirPaths(dataDir).siteConfig).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dataDir, 'trust', 'csca.der')), readFileSync(csca));
});

test('a second run with the same answers (the used code included) changes nothing and contacts no one', async () => {
  const requests = service.requests.length;
  const paths = dataDirPaths(dataDir);
  const before = [paths.siteConfig, paths.accounts, paths.deviceCert, paths.deviceKey].map((p) => statSync(p).mtimeMs);
  const { code, out } = await cli(['provision', '--answers', answersFile('answers.json', answers(dataDir, firstCode)), '--lang', 'en']);
  assert.is(code, 0, out);
  for (const step of ['Device identity', 'Trust store', 'Site config', 'Accounts']) assert.match(out, `[unchanged] ${step}`);
  assert.not.match(out, 'SHOWN ONCE');
  assert.is(service.requests.length, requests, 'the enrolment service was not contacted');
  assert.equal([paths.siteConfig, paths.accounts, paths.deviceCert, paths.deviceKey].map((p) => statSync(p).mtimeMs), before);
});

test('a changed profile field changes only site.json, only its site section', async () => {
  const changed = answers(dataDir, firstCode);
  (changed.profile as Record<string, unknown>).address = '14 Lê Lợi, Quận 1';
  const { code, out } = await cli(['provision', '--answers', answersFile('changed.json', changed), '--json']);
  assert.is(code, 0, out);
  const result = JSON.parse(out) as { steps: { step: string; status: string; site?: { fields: string[] } }[] };
  assert.equal(result.steps.map((s) => [s.step, s.status]), [['identity', 'unchanged'], ['trust', 'unchanged'], ['site', 'changed'], ['accounts', 'unchanged']]);
  assert.equal(result.steps[2]!.site?.fields, ['site']);
  assert.is((await loadConfigFile(dataDirPaths(dataDir).siteConfig)).config.site?.address, '14 Lê Lợi, Quận 1');
});

test('status: complete once the service is installed; the last self-test shown', async () => {
  const first = await cli(['provision', 'status', '--data-dir', dataDir, '--json']);
  assert.is(first.code, 1);
  const partial = JSON.parse(first.out) as ProvisionStatus;
  assert.equal(partial.missing, ['service']);
  assert.is(partial.selfTest, null);
  assert.ok(partial.enrolmentUrl?.startsWith(service.url), String(partial.enrolmentUrl));
  assert.is(partial.trust.cscas, 1);
  assert.ok(partial.certificate.daysLeft !== null && partial.certificate.daysLeft > 80, String(partial.certificate.daysLeft));

  writeFileSync(unitPath, '[Unit]\n');
  mkdirSync(dataDirPaths(dataDir).selfTests, { recursive: true });
  writeFileSync(join(dataDirPaths(dataDir).selfTests, '2026-11-30T02-00-00Z.json'), JSON.stringify({ status: 'marginal', finishedAt: '2026-11-30T02:00:05Z', checks: [] }));
  const complete = await cli(['provision', 'status', '--data-dir', dataDir]);
  assert.is(complete.code, 0, complete.out);
  assert.match(complete.out, 'Đầy đủ.');
  assert.match(complete.out, 'Tự kiểm tra lần cuối: marginal 2026-11-30T02:00:05Z');
  rmSync(unitPath);
});

test('a profile field missing from both answers and bundle: exit 2 naming it; fixed, the re-run finishes without a new code', async () => {
  const dir = join(work, 'incomplete');
  const code = service.issueCode('site-1');
  const incomplete = answers(dir, code, { deviceId: 'quay-3' });
  delete (incomplete.profile as Record<string, unknown>).licenceNumber;
  const first = await cli(['provision', '--answers', answersFile('incomplete.json', incomplete)]);
  assert.is(first.code, 2, first.out);
  assert.match(first.out, '[ĐÃ CẬP NHẬT] Danh tính thiết bị');
  assert.match(first.out, '[LỖI] Cấu hình cơ sở');
  assert.match(first.out, 'profile.licenceNumber — thiếu trường bắt buộc');
  const requests = service.requests.length;
  const fixed = await cli(['provision', '--answers', answersFile('fixed.json', answers(dir, code, { deviceId: 'quay-3' }))]);
  assert.is(fixed.code, 0, fixed.out);
  assert.match(fixed.out, '[không đổi] Danh tính thiết bị');
  assert.match(fixed.out, '[ĐÃ CẬP NHẬT] Cấu hình cơ sở');
  assert.is(service.requests.length, requests);
});

test('status on an empty data dir: everything missing, exit 1, self-test never run', async () => {
  const { code, out } = await cli(['provision', 'status', '--data-dir', join(work, 'empty'), '--lang', 'en']);
  assert.is(code, 1);
  assert.match(out, '[MISSING] Identity (certificate): not enrolled');
  assert.match(out, 'Last self-test: never run');
  const json = JSON.parse((await cli(['provision', 'status', '--data-dir', join(work, 'empty'), '--json'])).out) as ProvisionStatus;
  assert.equal(json.missing, ['identity', 'siteProfile', 'broker', 'authorityKey', 'trustStore', 'accounts', 'service']);
});

test('interactive, Vietnamese, through piped stdin: a wrong value is re-asked, defaults taken on Enter', async () => {
  const dir = join(work, 'interactive');
  const lines = [
    service.url,
    'sai-dau-van-tay', // refused, asked again
    service.fingerprint,
    service.issueCode('site-1'),
    'site-1',
    'quay-2',
    'Tiệm vàng Kim Long',
    '0311111111',
    '', // businessType: default pawnshop
    '5 Hai Bà Trưng, Quận 1',
    'Công an phường Bến Nghé',
    'Trần Thị B',
    '0912345678',
    'nhiều', // retention: refused
    '365',
    'k', // face not required
    '', // technician: kythuat
    'canhsat',
    '',
    '',
    'v4l2',
    '',
  ];
  process.env.XACMINH_DATA_DIR = dir;
  let result: Awaited<ReturnType<typeof cli>>;
  try {
    result = await cli(['provision'], `${lines.join('\n')}\n`);
  } finally {
    delete process.env.XACMINH_DATA_DIR;
  }
  const { code, out, err } = result;
  assert.is(code, 0, out + err);
  assert.match(out, 'Dấu vân tay SHA-256 của CA đăng ký: ');
  assert.match(out, 'Không hợp lệ: không đúng định dạng. Nhập lại.');
  assert.match(out, 'Mã thiết bị (deviceId) [quay-1]: quay-2\n');
  assert.match(out, 'Loại hình (pawnshop, hotel, guesthouse, bank, telecom, other) [pawnshop]: \n');
  assert.match(out, 'Số ngày lưu dữ liệu (theo quy định cho loại hình này) [730]: ');
  assert.match(out, '[ĐÃ CẬP NHẬT] Danh tính thiết bị');
  const { config } = await loadConfigFile(dataDirPaths(dir).siteConfig);
  assert.equal([config.deviceId, config.site?.businessType, config.site?.retentionDays, config.face.required, config.camera.kind], ['quay-2', 'pawnshop', 365, false, 'v4l2']);
  assert.ok(await verifyAccountPassword(dir, 'canhsat', /canhsat: ([A-Za-z2-9]{16})/.exec(out)?.[1] ?? ''));

  // Again, Enter on every question: the data dir's values are the defaults, no code is needed, nothing changes.
  const requests = service.requests.length;
  process.env.XACMINH_DATA_DIR = dir;
  let again: Awaited<ReturnType<typeof cli>>;
  try {
    again = await cli(['provision'], '\n'.repeat(40));
  } finally {
    delete process.env.XACMINH_DATA_DIR;
  }
  assert.is(again.code, 0, again.out + again.err);
  assert.match(again.out, 'Mã đăng ký một lần (Enter: giữ đăng ký hiện tại): \n');
  assert.match(again.out, 'Tên cơ sở kinh doanh [Tiệm vàng Kim Long]: \n');
  for (const step of ['Danh tính thiết bị', 'Kho tin cậy', 'Cấu hình cơ sở', 'Tài khoản']) assert.match(again.out, `[không đổi] ${step}`);
  assert.is(service.requests.length, requests);
});

test('English prompts; input that ends before the last question is bad input (exit 2), nothing sent', async () => {
  const requests = service.requests.length;
  const { code, out, err } = await cli(['provision', '--lang', 'en', '--data-dir', join(work, 'eof')], `${service.url}\nnot-hex\n`);
  assert.is(code, 2);
  assert.match(out, 'Enrolment service URL (https://…): ');
  assert.match(out, 'Not valid: a SHA-256 fingerprint: 64 hex digits, colons allowed. Try again.');
  assert.match(err, 'the input ended before every question was answered');
  assert.not.match(err, 'Câu trả lời');
  assert.is(service.requests.length, requests);
});

test('no code for a terminal not yet enrolled: exit 2 at the identity step, nothing sent', async () => {
  const requests = service.requests.length;
  const noCode = answers(join(work, 'no-code'), 'x');
  delete (noCode.enrolment as Record<string, unknown>).code;
  const { code, out } = await cli(['provision', '--answers', answersFile('no-code.json', noCode)]);
  assert.is(code, 2, out);
  assert.match(out, 'enrolment.code — thiết bị chưa đăng ký nên cần mã đăng ký một lần');
  assert.is(service.requests.length, requests);
});

test.run();
