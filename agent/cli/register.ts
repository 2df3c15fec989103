/**
 * `xacminh register`: what an inspector and a technician do with the register on site — verify the chain
 * and its signatures, list and show records, export a self-verifying slice for the police, and check such an
 * export offline on another computer. The register is opened read-only, so this works while the agent runs.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { XacminhError } from '../../drivers/errors.ts';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { dataDirPaths, loadDeviceIdentity, loadRegisterDataKey, readRetiredDeviceKeys } from '../datadir.ts';
import { assertUsableAnchors, checkAnchors, parseAnchors, type AnchorProblem, type AnchorReport } from '../register/anchors.ts';
import { checkMarker } from '../register/genesis.ts';
import type { ChainProblem, ChainReport } from '../register/chain.ts';
import { writeRegisterExport, type ExportProblem } from '../register/export.ts';
import { readExportFileParallel } from '../register/export-verify-parallel.ts';
import { loadTrustedKeys } from '../register/export-keys.ts';
import { Register, type RegisterEntry } from '../register/register.ts';
import { verifyRegisterOffThread } from '../register/verify-off-thread.ts';
import type { VerificationRecord } from '../session/record.ts';
import { processIo, runCommandCli, type CliIo } from './cli-io.ts';
import { DECISION_LABELS, formatRecord, reasonsCell, table, terminalTime, vietnamTime } from './register-format.ts';
import { siteTimeZone, zoneLabel } from './site-time-zone.ts';
import { dayRange } from '../calendar.ts';

export { DECISION_LABELS, vietnamTime };

export type RegisterCliIo = CliIo;

const defaultIo: RegisterCliIo = processIo;

export interface DataDirOption {
  dataDir?: string;
}
export interface VerifyOptions extends DataDirOption {
  json?: boolean;
  /** JSON Lines of anchors the central side received (event JWS and/or checkpoint JSON). */
  anchors?: string;
}
export interface ListOptions extends DataDirOption {
  from?: string;
  to?: string;
  limit?: string;
}
export interface ShowOptions extends DataDirOption {
  frame?: string;
  json?: boolean;
}
export interface ExportCliOptions extends DataDirOption {
  out: string;
  from?: string;
  to?: string;
  fromSeq?: string;
  toSeq?: string;
  frames?: boolean;
}
export interface VerifyExportOptions {
  /** One PEM file, or several: the terminal's key rotates at each certificate renewal. */
  publicKey?: string | string[];
  /** The site's enrolment CA (PEM): each --public-key must then be a certificate it issued. */
  ca?: string;
  json?: boolean;
}

const PERSONAL_DATA_NOTICE =
  'File chứa DỮ LIỆU CÁ NHÂN (họ tên, số định danh…): chỉ chủ sở hữu đọc được (quyền 0600). Chỉ giao cho cơ quan có thẩm quyền, không gửi qua kênh không bảo mật.\n' +
  '  The file holds PERSONAL DATA (names, ID numbers); it is readable by its owner only (mode 0600). Hand it only to the authority.\n';

const defaultDataDir = () => process.env.XACMINH_DATA_DIR ?? './.data';

/**
 * Adds `register` and its subcommands to `program`. Each subcommand hands its exit status to `onExit`
 * (default: process.exitCode); errors (REGISTER_TAMPERED, STORAGE_FAILED…) propagate to the caller's handler.
 */
export function registerRegisterCommand(program: Command, io: RegisterCliIo = defaultIo, onExit: (code: number) => void = (code) => (process.exitCode = code)): Command {
  const register = program.command('register').description('Inspect the register: verify the chain, list and show records, export for the police, check an export offline');
  const dataDir = (c: Command) => c.option('--data-dir <dir>', 'data dir holding register.db and the device key', defaultDataDir());
  const run = (work: () => number) => () => onExit(work());

  dataDir(register.command('verify'))
    .description('Recompute the whole hash chain and check every signed checkpoint')
    .option('--json', 'print the report as JSON')
    .option('--anchors <file>', 'also check against anchors held off the device: JSON Lines of the verification events (JWS) and checkpoints the central side received')
    .addHelpText('after', '\nExit status: 0 the register verifies (and matches every anchor), 1 it does not (REGISTER_TAMPERED), is not the register register.id.json names (REGISTER_REPLACED) or cannot be read, 2 bad input (INVALID_INPUT).')
    .action(async (o: VerifyOptions) => onExit(o.anchors === undefined ? await verifyCommand(o, io) : await verifyAnchorsCommand({ ...o, anchors: o.anchors }, io)));

  dataDir(register.command('list'))
    .description('List verifications (time, decision, name, masked ID number, reference, reason), oldest first')
    .option('--from <time>', 'from this time (ISO, or a date YYYY-MM-DD in Vietnam time)')
    .option('--to <time>', 'before this time (ISO), or through this date (YYYY-MM-DD)')
    .option('--limit <n>', 'at most n rows', '100')
    .action((o: ListOptions) => run(() => listCommand(o, io))());

  dataDir(register.command('show'))
    .description('Show one record in full, in Vietnamese (--json: the stored record with its codes); the id, or the entry number')
    .argument('<id>', 'record id (ULID) or entry number (seq)')
    .option('--frame <file>', 'write the camera frame recorded for this verification (JPEG, mode 0600)')
    .option('--json', 'print the stored record as JSON')
    .action((id: string, o: ShowOptions) => run(() => showCommand(id, o, io))());

  dataDir(register.command('export'))
    .description('Write a self-verifying export (JSON Lines) for the police; it holds personal data and is written mode 0600')
    .requiredOption('--out <file>', 'the export file to write')
    .option('--from <time>', 'from this time (ISO, or a date YYYY-MM-DD in Vietnam time)')
    .option('--to <time>', 'before this time (ISO), or through this date (YYYY-MM-DD)')
    .option('--from-seq <n>', 'from this entry number (instead of --from/--to)')
    .option('--to-seq <n>', 'through this entry number (default: the last)')
    .option('--frames', 'include the camera frames (JPEG, base64): much larger')
    .action((o: ExportCliOptions) => run(() => exportCommand(o, io))());

  register
    .command('verify-export')
    .description('Check an export offline (no data dir needed): every hash and signature')
    .argument('<file>', 'the export file')
    .option('--public-key <pem>', "required: the terminal's public key or certificate (PEM file) as registered with the authority; repeat it for each key the terminal had (its key changes at certificate renewal)", (pem: string, pems: string[] = []) => [...pems, pem])
    .option('--ca <pem>', "the site's enrolment CA certificate (PEM): each --public-key must then be a certificate it issued")
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nThe key is required: a key carried inside the file would prove nothing (whoever edits the file can put their own there).\n' +
        "Take it from the terminal's certificate or the authority's records, not from the export.\n" +
        'Exit status: 0 the export verifies, 1 it does not (REGISTER_TAMPERED) or cannot be read, 2 bad input (INVALID_INPUT), including no --public-key, or a certificate the --ca did not issue: then it cannot tell.',
    )
    .action(async (file: string, o: VerifyExportOptions) => onExit(await verifyExportCommand(file, o, io)));

  return register;
}

/** Opens the data dir's register read-only with the device key; clear errors for a wrong data dir or a missing register. */
export function openRegisterReadOnly(dataDir: string | undefined): Register {
  return openRegisterWithKey(dataDir).register;
}

function openRegisterWithKey(dataDir: string | undefined): { register: Register; privateKey: KeyObject } {
  const paths = dataDirPaths(dataDir ?? defaultDataDir());
  if (!existsSync(paths.root) || !statSync(paths.root).isDirectory()) {
    throw new XacminhError('CONFIG_INVALID', `Không có thư mục dữ liệu ${paths.root}: hãy chỉ ra đúng thư mục dữ liệu của máy bằng --data-dir (hoặc XACMINH_DATA_DIR), ví dụ /var/lib/xacminh. (The data dir ${paths.root} does not exist: pass --data-dir or set XACMINH_DATA_DIR.)`, { path: paths.root });
  }
  if (!existsSync(paths.register)) {
    throw new XacminhError('STORAGE_FAILED', `Không có sổ đăng ký ${paths.register}: --data-dir có đúng thư mục dữ liệu của máy không? (agent tạo register.db khi chạy lần đầu). (No register at ${paths.register}: is --data-dir the terminal's data dir?)`, { path: paths.register });
  }
  const identity = loadDeviceIdentity(paths, { create: false });
  // The data key when this user may read it (the service user, root): then list/show decrypt; else personal data reads as locked.
  const dataKey = loadRegisterDataKey(paths, { create: false });
  const register = Register.open(paths.register, { deviceKey: identity.privateKey, retiredKeys: readRetiredDeviceKeys(paths), outboxCapacity: 0, readOnly: true, ...(dataKey ? { dataKey } : {}) });
  return { register, privateKey: identity.privateKey };
}

function withRegister<T>(dataDir: string | undefined, work: (register: Register, privateKey: KeyObject) => T): T {
  const { register, privateKey } = openRegisterWithKey(dataDir);
  try {
    return work(register, privateKey);
  } finally {
    register.close();
  }
}

/** `register verify`: the whole chain, in worker threads sharing the entries (a million entries on a Pi must not take minutes). */
export async function verifyCommand(o: VerifyOptions, io: RegisterCliIo = defaultIo): Promise<number> {
  // register/genesis.ts: is this the register the data dir's marker names?
  const { path, keys, marker } = withRegister(o.dataDir, (register) => ({ path: register.path, keys: register.verificationKeys, marker: checkMarker(dataDirPaths(o.dataDir ?? defaultDataDir()), register) }));
  const report = await verifyRegisterOffThread(path, keys, { threads: Math.min(4, availableParallelism()) });
  if (o.json) io.stdout(`${JSON.stringify({ ...report, marker: { state: marker.state, registerId: marker.registerId } }, null, 2)}\n`);
  else {
    io.stdout(`${marker.line}\n`);
    io.stdout(`Sổ đăng ký / register: ${report.entries} mục (entries); đã ký đến mục / signed through ${report.signedThrough}; ${report.checkpoints} checkpoint hợp lệ\n`);
    if (report.ok && report.signedThrough < report.entries) {
      io.stdout(`  Mục ${report.signedThrough + 1}–${report.entries} chưa có checkpoint ký (sẽ ký ở checkpoint tiếp theo / khi dừng agent, hoặc khi xuất).\n  Entries ${report.signedThrough + 1}–${report.entries} are chained but not yet under a signed checkpoint.\n`);
    }
    io.stdout(report.ok ? 'KẾT QUẢ: TOÀN VẸN — chuỗi băm và chữ ký đều đúng (the chain and its signatures verify)\n' : formatProblems(report.problems));
  }
  if (!report.ok) throw tampered(report.problems);
  if (marker.state === 'differs') throw new XacminhError('REGISTER_REPLACED', marker.line, { path: dataDirPaths(o.dataDir ?? defaultDataDir()).registerMarker });
  return 0;
}

const ANCHOR_KIND_LABELS: Readonly<Record<AnchorProblem['kind'], string>> = Object.freeze({
  rewritten: 'bị sửa hoặc ghi lại (rewritten)',
  'rolled-back': 'bị cắt bớt hoặc quay về bản cũ (truncated or rolled back)',
  replaced: 'bị thay bằng một sổ khác (replaced)',
  replayed: 'một checkpoint cũ được ký lại hoặc phát lại: sổ đã bị quay về bản cũ (an old checkpoint replayed: rolled back)',
});

/** `register verify --anchors FILE`: the chain itself, then the local register against what the central side holds. */
export async function verifyAnchorsCommand(o: VerifyOptions & { anchors: string }, io: RegisterCliIo = defaultIo): Promise<number> {
  if (!existsSync(o.anchors) || !statSync(o.anchors).isFile()) throw new XacminhError('INVALID_INPUT', `Không đọc được tệp mốc neo ${o.anchors}: không có tệp này. Cannot read the anchors file ${o.anchors}: no such file`, { field: 'anchors' });
  const text = readFileSync(o.anchors, 'utf8');
  const { register } = openRegisterWithKey(o.dataDir);
  let chain: ChainReport;
  let anchors: AnchorReport;
  try {
    const parsed = await parseAnchors(text, register.verificationKeys);
    assertUsableAnchors(parsed.anchors, parsed.ignored, o.anchors);
    [chain, anchors] = register.snapshot(() => [register.verify(), checkAnchors(register.entries(), parsed.anchors, parsed.ignored)] as const);
  } finally {
    register.close();
  }
  if (o.json) io.stdout(`${JSON.stringify({ chain, anchors }, null, 2)}\n`);
  else {
    io.stdout(`Sổ đăng ký / register: ${chain.entries} mục (entries); ${chain.ok ? 'chuỗi băm và chữ ký đúng (the chain verifies)' : 'chuỗi KHÔNG toàn vẹn (the chain does not verify)'}\n`);
    io.stdout(`Mốc đối chiếu / anchors: ${anchors.anchors} hợp lệ (valid) từ ${o.anchors}; khớp đến mục / matched through ${anchors.matchedThrough}; sổ trên máy đến mục / local head ${anchors.localHead}\n`);
    for (const skipped of anchors.ignored.slice(0, 10)) io.stdout(`  Bỏ qua dòng / ignored line ${skipped.line}: ${skipped.reason}\n`);
    if (anchors.ignored.length > 10) io.stdout(`  … ${anchors.ignored.length - 10} dòng khác bị bỏ qua (more ignored lines)\n`);
    // register-anchors (h-genesis): the first difference only, then how many anchors differ in all.
    for (const p of anchors.problems) {
      if (p.kind === 'replayed') io.stdout(`MỐC Ở TRUNG TÂM CHO THẤY SỔ BỊ QUAY LẠI tại mục ${p.seq}: ${ANCHOR_KIND_LABELS[p.kind]}\n  ${p.message}\n`);
      else io.stdout(`SỔ KHÁC VỚI BẢN Ở TRUNG TÂM từ mục ${p.seq}: ${ANCHOR_KIND_LABELS[p.kind]}; ${anchors.differences} mốc không khớp\n  The register differs from the central copy from entry ${p.seq} (${anchors.differences} anchor(s) differ): ${p.message}\n`);
    }
    io.stdout(anchors.ok && chain.ok ? 'KẾT QUẢ: TOÀN VẸN — khớp với mọi mốc ở trung tâm (the register verifies and matches every anchor)\n' : formatProblems([...anchors.problems, ...chain.problems]));
  }
  if (!anchors.ok) throw tampered([...anchors.problems, ...chain.problems], `the register differs from the anchors held off the device from entry ${anchors.problems[0]!.seq} (${anchors.problems[0]!.kind})`);
  if (!chain.ok) throw tampered(chain.problems);
  return 0;
}

const KIND_LABELS: Readonly<Record<string, string>> = Object.freeze({
  genesis: 'khởi tạo sổ (genesis)',
  inspection: 'kiểm tra của cơ quan công an (inspection)',
  operator: 'thao tác của nhân viên (operator)',
  purge: 'xóa dữ liệu cá nhân hết hạn lưu giữ (purge)',
});

function formatOtherEntry(entry: RegisterEntry): string {
  const lines = [
    `Mục số        : ${entry.seq}`,
    `Loại          : ${KIND_LABELS[entry.kind] ?? entry.kind}`,
    `Thời điểm ghi : ${vietnamTime(entry.recordedAt)} (giờ VN) — ${entry.recordedAt}`,
    `Nội dung      : ${JSON.stringify(entry.public)}`,
  ];
  if (entry.sealedState === 'present') lines.push(`Phần bảo mật  : ${JSON.stringify(entry.sealed)}`);
  if (entry.sealedState === 'locked') lines.push(LOCKED_NOTICE);
  if (entry.sealedState === 'purged') lines.push('Phần bảo mật  : đã xóa theo thời hạn lưu giữ (purged)');
  return `${lines.join('\n')}\n`;
}

const LOCKED_NOTICE = 'Dữ liệu cá nhân đã mã hóa: không đọc được khóa dữ liệu (chạy lệnh bằng người dùng của dịch vụ, ví dụ sudo -u xacminh). Personal data is sealed and the register data key is not readable by this user.';

export function listCommand(o: ListOptions, io: RegisterCliIo = defaultIo): number {
  const limit = Number(o.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new XacminhError('INVALID_INPUT', `--limit phải là số nguyên từ 1 đến 100000, không phải "${o.limit}" (--limit must be a whole number 1..100000, got ${o.limit})`, { field: 'limit' });
  const zone = siteTimeZone(o.dataDir ?? defaultDataDir()); // the site's clock, as on the operator page
  const range = parseRange(o.from, o.to, zone);
  const rows = withRegister(o.dataDir, (register) => ({
    unlocked: register.unlocked,
    rows: register.list({ ...range, limit }).map((summary) => {
      let record: VerificationRecord | undefined;
      try {
        record = register.get(summary.id)?.record;
      } catch {
        // A record that no longer parses (tampering, damage): listed anyway; `register verify` says which.
      }
      return [
        String(summary.seq),
        terminalTime(summary.recordedAt, zone),
        DECISION_LABELS[summary.decision] ?? summary.decision,
        record?.identity?.fullName ?? '—',
        maskIdNumber(record?.identity?.idNumber),
        record?.operatorReference ?? '—',
        record ? (Array.isArray(record.reasons) ? reasonsCell(record.reasons) : '—') : 'không đọc được bản ghi (chạy register verify)',
      ];
    }),
  }));
  const head = ['#', `Thời gian (${zoneLabel(zone)})`, 'Kết quả', 'Họ và tên', 'Số định danh', 'Tham chiếu', 'Lý do'];
  io.stdout(table([head, ...rows.rows]));
  if (!rows.unlocked && rows.rows.length > 0) io.stdout(`${LOCKED_NOTICE}\n`);
  io.stdout(`${rows.rows.length} mục${rows.rows.length === limit ? ` (giới hạn --limit ${limit}; còn có thể có thêm)` : ''}. Xem đầy đủ: xacminh register show <#>\n`);
  return 0;
}

export function showCommand(idOrSeq: string, o: ShowOptions, io: RegisterCliIo = defaultIo): number {
  withRegister(o.dataDir, (register) => {
    const id = /^\d+$/.test(idOrSeq) ? [...register.entries(Number(idOrSeq), Number(idOrSeq))][0]?.id : idOrSeq;
    const entry = id ? register.get(id) : null;
    if (!entry) throw new XacminhError('INVALID_INPUT', `Không có mục ${idOrSeq} trong sổ đăng ký (no register entry ${idOrSeq})`, { field: 'id' });
    const stored = register.read(entry.summary.seq)!;
    const personalData = stored.sealedState;
    if (stored.kind !== 'verification') {
      // Genesis, inspection, operator and purge entries are not verification records: shown as stored.
      if (o.json) io.stdout(`${JSON.stringify({ seq: stored.seq, kind: stored.kind, recordedAt: stored.recordedAt, personalData, public: stored.public, sealed: stored.sealed }, null, 2)}\n`);
      else io.stdout(formatOtherEntry(stored));
      return;
    }
    if (o.json) io.stdout(`${JSON.stringify({ seq: entry.summary.seq, recordedAt: entry.summary.recordedAt, personalData, record: entry.record }, null, 2)}\n`);
    else {
      io.stdout(formatRecord(entry.summary.seq, entry.summary.recordedAt, entry.record, entry.frameJpeg !== null, siteTimeZone(o.dataDir ?? defaultDataDir())));
      if (personalData === 'locked') io.stdout(`${LOCKED_NOTICE}\n`);
      if (personalData === 'purged') io.stdout('Dữ liệu cá nhân và ảnh của mục này đã được xóa theo thời hạn lưu giữ (purged by retention; the entry still verifies).\n');
    }
    if (o.frame) {
      if (!entry.frameJpeg) throw new XacminhError('INVALID_INPUT', `Mục ${idOrSeq} không lưu ảnh camera (no camera frame recorded for this entry)`, { field: 'frame' });
      writeFileAtomicSync(o.frame, entry.frameJpeg, 0o600, { keepMode: false });
      io.stderr(`Đã ghi ảnh camera vào ${o.frame} (quyền 0600: ảnh khuôn mặt là dữ liệu cá nhân).\n`);
    }
  });
  return 0;
}

export function exportCommand(o: ExportCliOptions, io: RegisterCliIo = defaultIo): number {
  if (!o.out) throw new XacminhError('INVALID_INPUT', 'Hãy cho biết tệp xuất bằng --out <tệp>. Give --out <file>', { field: 'out' });
  const range = { ...parseRange(o.from, o.to, siteTimeZone(o.dataDir ?? defaultDataDir())), ...parseSeqRange(o.fromSeq, o.toSeq) };
  const bundle = withRegister(o.dataDir, (register, signingKey) => writeRegisterExport(o.out, register, { ...range, signingKey, frames: Boolean(o.frames) }));
  const { fromSeq, toSeq, entries } = bundle.header.range;
  io.stdout(`Đã xuất ${entries} mục (số ${fromSeq}–${toSeq}) vào ${o.out}${o.frames ? ', kèm ảnh camera' : ''}.\n  Exported ${entries} entries (${fromSeq}–${toSeq}) to ${o.out}.\n`);
  const retired = bundle.header.device.retiredKeyIds ?? [];
  io.stdout(`  Khóa thiết bị / device key id: ${bundle.header.device.keyId}${retired.length ? `; khóa cũ / retired key ids: ${retired.join(', ')} (mỗi khóa một --public-key / one --public-key each)` : ''}\n`);
  io.stdout(`  Kiểm tra / check: xacminh register verify-export ${o.out} --public-key <chứng thư hoặc khóa công khai của thiết bị / the device's certificate or public key, from the authority's records>\n`);
  io.stderr(PERSONAL_DATA_NOTICE);
  if (!bundle.exportCheckpoint) {
    io.stdout(formatProblems(bundle.header.registerProblems));
    throw tampered(bundle.header.registerProblems, `the register does not verify, so the export was written as evidence WITHOUT the terminal's signature: ${o.out}`);
  }
  return 0;
}

export async function verifyExportCommand(file: string, o: VerifyExportOptions, io: RegisterCliIo = defaultIo): Promise<number> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new XacminhError('INVALID_INPUT', `Không đọc được tệp xuất ${file}: không có tệp này. Cannot read the export ${file}: no such file`, { field: 'file' });
  const given = o.publicKey === undefined ? [] : [o.publicKey].flat();
  if (given.length === 0) {
    io.stdout(
      'KẾT QUẢ: KHÔNG THỂ KẾT LUẬN — cần khóa công khai hoặc chứng thư của thiết bị (--public-key), lấy từ cơ quan quản lý hoặc chứng thư của thiết bị, không lấy từ file xuất.\n' +
        "  CANNOT TELL: give the terminal's public key or certificate (--public-key), from the authority's records or its certificate, not from the export.\n",
    );
    throw new XacminhError('INVALID_INPUT', 'Không thể xác định tệp xuất có thật hay không khi thiếu khóa của máy: hãy thêm --public-key <chứng thư hoặc khóa công khai của thiết bị>. verify-export needs --public-key: without the terminal\'s key it cannot tell whether the export is genuine', { field: 'public-key' });
  }
  const trusted = loadTrustedKeys(given, o.ca);
  // In slices on up to 4 worker threads (issue 17: a million entries in ≤ 10 s); the report is the one-pass report.
  const { header: h, report } = await readExportFileParallel(file, { trustedPublicKeys: trusted.map((t) => t.key), threads: Math.min(4, availableParallelism()) });
  if (o.json) io.stdout(`${JSON.stringify({ ...report, certificates: trusted.flatMap((t) => (t.certificate ? [{ keyId: t.keyId, ...t.certificate, issuedByCa: Boolean(o.ca) }] : [])) }, null, 2)}\n`);
  else {
    for (const t of trusted.filter((k) => k.certificate)) {
      const c = t.certificate!;
      io.stdout(`  Chứng thư / certificate ${t.keyId}: ${c.subject.replace(/\n/g, ', ')}; hiệu lực / valid ${c.validFrom.slice(0, 10)} → ${c.validTo.slice(0, 10)}${o.ca ? `; do CA cấp / issued by the CA in ${o.ca}` : ''}\n`);
    }
    io.stdout(`Bản xuất / export: ${report.entries} mục (số ${report.fromSeq}–${report.toSeq}), tạo lúc ${vietnamTime(h.createdAt)} (giờ VN)\n`);
    io.stdout(`  Điểm / site: ${h.siteIds.join(', ') || '—'}; thiết bị / device: ${h.deviceIds.join(', ') || '—'}\n`);
    io.stdout(`  Khóa / key id: ${report.key.keyId}${report.key.trusted ? ' (khóa được cung cấp / trusted key given)' : ' (KHÔNG phải khóa được cung cấp / NOT a key given)'}\n`);
    io.stdout(`  Đã ký đến mục / signed through: ${report.signedThrough}${report.exportSignedAt ? `; thiết bị ký lúc xuất / signed at export ${report.exportSignedAt}` : ''}\n`);
    io.stdout(report.ok ? 'KẾT QUẢ: TOÀN VẸN — mọi mục và chữ ký đều đúng (the export verifies)\n' : formatProblems(report.problems));
  }
  if (!report.ok) throw tampered(report.problems);
  return 0;
}

/**
 * Stand-alone runner (tests, scripts): parses argv without node and script, runs, and maps errors to the
 * exit codes main.ts uses: 2 bad input, 1 any other error (REGISTER_TAMPERED included).
 */
export function runRegisterCli(argv: string[], io: RegisterCliIo = defaultIo): Promise<number> {
  return runCommandCli(argv, io, (program) => {
    let code = 0;
    registerRegisterCommand(program, io, (exit) => (code = exit));
    return () => code;
  });
}

function tampered(problems: readonly Problem[], lead = 'the register does not verify'): XacminhError {
  const first = problems[0];
  return new XacminhError(
    'REGISTER_TAMPERED',
    `SỔ ĐĂNG KÝ KHÔNG TOÀN VẸN: ${lead}; ${problems.length} problem(s), first at entry ${first?.seq ?? '?'}: ${first?.message ?? '?'}`,
    { problems: problems.slice(0, 20) },
  );
}

/** A problem of the chain, an export or the anchors: where and what. */
type Problem = ChainProblem | ExportProblem | AnchorProblem;

function formatProblems(problems: readonly Problem[]): string {
  const shown = problems.slice(0, 50).map((p) => `  mục / entry ${p.seq}: [${p.kind}] ${p.message}`);
  if (problems.length > shown.length) shown.push(`  … ${problems.length - shown.length} more`);
  return `KẾT QUẢ: KHÔNG TOÀN VẸN — ${problems.length} vấn đề (problems):\n${shown.join('\n')}\n`;
}

/** --from-seq/--to-seq: entry numbers, whole and ≥ 1. */
export function parseSeqRange(from: string | undefined, to: string | undefined): { fromSeq?: number; toSeq?: number } {
  const parse = (value: string, field: string): number => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) throw new XacminhError('INVALID_INPUT', `--${field} ${value}: nhập số thứ tự mục (1, 2, …) (give an entry number)`, { field });
    return Number(value);
  };
  return { ...(from !== undefined ? { fromSeq: parse(from, 'from-seq') } : {}), ...(to !== undefined ? { toSeq: parse(to, 'to-seq') } : {}) };
}

/** Only the last 4 digits: enough to match a card in hand, not enough to copy the number. */
export function maskIdNumber(idNumber: string | null | undefined): string {
  if (!idNumber) return '—';
  return `••••••••${idNumber.slice(-4)}`;
}

/** --from/--to: ISO times as given; a bare date is a whole day in Vietnam time (--to includes that day). */
/** A date is that whole day in the site's zone (Vietnam unless site.json names another); an ISO time is taken as given. */
export function parseRange(from: string | undefined, to: string | undefined, timeZone = 'Asia/Ho_Chi_Minh'): { from?: string; to?: string } {
  const parse = (value: string, field: 'from' | 'to'): string => {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.test(value) ? dayRange(value, timeZone) : null;
    const ms = day ? Date.parse(field === 'to' ? day.to : day.from) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) throw new XacminhError('INVALID_INPUT', `--${field} ${value}: thời điểm không hợp lệ; nhập giờ ISO (2026-11-22T08:00:00+07:00) hoặc ngày (2026-11-22) (give an ISO time or a date)`, { field });
    return new Date(ms).toISOString();
  };
  const range = { ...(from ? { from: parse(from, 'from') } : {}), ...(to ? { to: parse(to, 'to') } : {}) };
  if (range.from && range.to && range.from >= range.to) throw new XacminhError('INVALID_INPUT', `--from ${from} phải trước --to ${to} (--from ${from} is not before --to ${to})`, { field: 'from' });
  return range;
}
