/** `xacminh read-card`: read a CCCD or ePassport chip and print what it holds. */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import {
  accessKeyFromDocumentFields,
  accessKeyFromIdNumber,
  accessKeyFromMrz,
  accessKeyFromQr,
  accessKeyFromCan,
  type AccessKey,
} from '../../drivers/emrtd/access-key.ts';
import { X509Certificate } from 'node:crypto';
import { checkAuthenticity, type Authenticity } from '../../drivers/emrtd/authenticity/verdict.ts';
import { normalisePin } from '../../drivers/emrtd/authenticity/master-list.ts';
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { readDocument, type ChipDocument, type ReadProgress } from '../../drivers/emrtd/read-document.ts';
import { writeFileAtomic } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { CARD_FAULTS, isCardFault } from '../../drivers/sim/card-faults.ts';
import { DG13_LABELS } from '../labels.ts';
import { authenticityReasons } from '../session/record-builder.ts';
import { openCard, type CardSourceKind } from './open-card.ts';

export interface ReadCardOptions {
  id?: string;
  can?: string;
  mrz?: string;
  doc?: string;
  dob?: string;
  expiry?: string;
  qr?: string;
  reader?: string;
  out?: string;
  json?: boolean;
  sim?: boolean | string;
  simFault?: string;
  trust?: string;
  trustPin?: string[];
  readSize?: string;
  wait?: string;
}

export function accessKeyFromOptions(o: ReadCardOptions): AccessKey {
  if (o.id) return accessKeyFromIdNumber(o.id);
  if (o.can) return accessKeyFromCan(o.can);
  if (o.qr) return accessKeyFromQr(o.qr);
  if (o.mrz) return accessKeyFromMrz(o.mrz);
  if (o.doc || o.dob || o.expiry) {
    if (!o.doc || !o.dob || !o.expiry) throw new XacminhError('INVALID_INPUT', 'BAC needs all three of --doc, --dob and --expiry', { field: 'doc' });
    return accessKeyFromDocumentFields(o.doc, o.dob, o.expiry);
  }
  throw new XacminhError('INVALID_INPUT', 'Give the access key: --id <12-digit ID number>, --qr <QR text>, --mrz <MRZ>, or --doc/--dob/--expiry', {
    field: 'key',
  });
}

function readSizeOptions(value: string | undefined): { extendedLength?: boolean; maxReadSize?: number } {
  if (!value || value === 'auto') return { extendedLength: true };
  if (value === 'extended') return { extendedLength: true };
  const n = Number(value);
  if (!Number.isInteger(n) || n < 16 || n > 65280) throw new XacminhError('INVALID_INPUT', `--read-size must be auto, extended or 16..65280, got ${value}`);
  return { extendedLength: n > 223, maxReadSize: n };
}

export async function readCardCommand(o: ReadCardOptions): Promise<number> {
  const key = accessKeyFromOptions(o);
  const pins = (o.trustPin ?? []).map(normalisePin); // a mistyped pin is bad input, found before the card is read
  const kind: CardSourceKind = o.sim === undefined || o.sim === false ? 'reader' : o.sim === 'pcscd' ? 'sim-pcscd' : 'sim';
  if (o.simFault !== undefined && (kind === 'reader' || !isCardFault(o.simFault))) {
    throw new XacminhError('INVALID_INPUT', `--sim-fault needs --sim and one of: ${Object.keys(CARD_FAULTS).join(', ')}`, { field: 'sim-fault' });
  }
  const opened = await openCard(kind, {
    ...(o.reader ? { reader: o.reader } : {}),
    ...(o.simFault && isCardFault(o.simFault) ? { fault: o.simFault } : {}),
    waitMs: Number(o.wait ?? 15) * 1000,
  });
  const bar = o.json || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {task}', stream: process.stderr }, cliProgress.Presets.shades_classic);
  if (!o.json) process.stderr.write(`Đang đọc thẻ từ ${opened.description}…\n`);
  bar?.start(100, 0, { task: 'kết nối' });
  let document: ChipDocument;
  try {
    document = await readDocument(opened.transport, key, { ...readSizeOptions(o.readSize), onProgress: (p) => bar?.update(percent(p), { task: describe(p) }) });
  } finally {
    bar?.stop();
    await opened.close();
  }
  const photoPath = await savePhoto(document, o.out ?? defaultOutDir(document));
  const trust = await loadTrust(o.trust, pins, opened.simulated?.publishedCsca);
  const authenticity = checkAuthenticity(document, trust);
  if (o.json) process.stdout.write(`${JSON.stringify({ ...(toJson(document, photoPath) as object), authenticity }, null, 2)}\n`);
  else process.stdout.write(formatText(document, photoPath) + formatAuthenticity(authenticity, trust));
  return authenticity.verdict === 'genuine' ? 0 : 3;
}

/**
 * The CSCAs to trust: a folder given with --trust (certificates, master lists whose signer --trust-pin
 * names, CRLs); the simulated card's own test CSCA when reading the simulator.
 */
async function loadTrust(folder: string | undefined, pins: string[], simulatedCsca: Uint8Array | undefined): Promise<TrustStore> {
  const trust = folder ? await TrustStore.fromFolder(folder, { masterListSigners: pins }) : new TrustStore({ masterListSigners: pins });
  if (simulatedCsca) trust.add(new X509Certificate(simulatedCsca), 'simulator test CSCA');
  for (const problem of trust.problems) process.stderr.write(`! ${problem.message}\n`);
  return trust;
}

const VERDICT_TEXT = { genuine: 'THẺ THẬT', 'not-genuine': 'KHÔNG PHẢI THẺ THẬT', 'cannot-tell': 'CHƯA KẾT LUẬN ĐƯỢC' } as const;
const CHECK_TEXT = { passed: 'đạt', failed: 'không đạt', 'not-checked': 'thẻ không hỗ trợ' } as const;

function formatAuthenticity(a: Authenticity, trust: TrustStore): string {
  const lines = [`KIỂM TRA CHIP: ${VERDICT_TEXT[a.verdict]} (${a.verdict})`];
  lines.push(`  Xác thực thụ động (PA): ${a.passive.ok ? 'đạt' : 'không đạt'} — ${trust.size} CSCA tin cậy`);
  lines.push(`  Xác thực chủ động (AA): ${CHECK_TEXT[a.active.status]}${a.active.status === 'not-checked' ? ` — ${a.active.reason ?? ''}` : ''}`);
  lines.push(`  Xác thực chip (CA):     ${CHECK_TEXT[a.chip.status]}${a.chip.status === 'not-checked' ? ` — ${a.chip.reason ?? ''}` : ''}`);
  for (const vi of vietnameseReasons(a)) lines.push(`  ! ${vi}`);
  for (const reason of a.reasons) lines.push(`  - ${reason}`);
  return `${lines.join('\n')}\n`;
}

function vietnameseReasons(a: Authenticity): string[] {
  return authenticityReasons(a).map((reason) => reason.messageVi);
}

function percent(p: ReadProgress): number {
  if (p.phase === 'done') return 100;
  if (p.phase !== 'reading' || p.filesTotal === 0) return p.phase === 'access-control' ? 5 : 1;
  const within = p.fileLength ? (p.fileBytesRead ?? 0) / p.fileLength : 0;
  return Math.min(99, Math.round(10 + (90 * (p.filesDone + within)) / p.filesTotal));
}

function describe(p: ReadProgress): string {
  if (p.phase === 'card-access') return 'đọc EF.CardAccess';
  if (p.phase === 'access-control') return 'xác thực truy cập chip (PACE/BAC)';
  if (p.phase === 'reading') return `đọc ${p.file ?? ''}`;
  return 'xong';
}

function defaultOutDir(document: ChipDocument): string {
  const id = document.dg13?.idNumber ?? document.dg1?.mrz.documentNumber ?? 'card';
  return join('.', `card-${id.replace(/[^0-9A-Za-z]/g, '')}`);
}

async function savePhoto(document: ChipDocument, outDir: string): Promise<string | undefined> {
  const image = document.dg2?.images[0];
  if (!image) return undefined;
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const path = resolve(outDir, image.format === 'jpeg2000' ? 'photo.jp2' : 'photo.jpg');
  await writeFileAtomic(path, image.data, 0o600, { keepMode: false });
  return path;
}

function personalFields(document: ChipDocument): [string, string][] {
  const dg13 = document.dg13 as Record<string, unknown> | undefined;
  if (!dg13) return [];
  return DG13_LABELS.flatMap(([field, label]) => {
    const value = dg13[field];
    return typeof value === 'string' && value.length > 0 ? [[label, value] as [string, string]] : [];
  });
}

function formatText(document: ChipDocument, photoPath: string | undefined): string {
  const lines: string[] = [''];
  const fields = personalFields(document);
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  if (fields.length > 0) {
    lines.push('THÔNG TIN TRÊN CHIP (DG13)');
    for (const [label, value] of fields) lines.push(`  ${label.padEnd(width)} : ${value}`);
  }
  const mrz = document.dg1?.mrz;
  if (mrz) {
    lines.push('', `MRZ (DG1, ${mrz.format})`);
    for (const line of mrz.lines) lines.push(`  ${line}`);
    if (fields.length === 0) {
      lines.push(`  Họ và tên      : ${mrz.primaryIdentifier} ${mrz.secondaryIdentifier}`.trimEnd());
      lines.push(`  Số giấy tờ     : ${mrz.documentNumber}`, `  Ngày sinh      : ${mrz.dateOfBirth}`, `  Hết hạn        : ${mrz.dateOfExpiry}`);
    }
  }
  lines.push('', `Ảnh chân dung (DG2): ${photoPath ?? 'không có'}`);
  lines.push(`Giao thức truy cập: ${document.accessProtocol}`);
  for (const u of document.unread) lines.push(`Không đọc được ${u.file}: ${u.reason}`);
  const s = document.stats;
  lines.push(`Đã đọc ${document.files.size} tệp, ${s.apdus} APDU, ${s.bytesReceived} byte, ${(s.durationMs / 1000).toFixed(2)} s (khối ${s.readSize} byte)`, '');
  return lines.join('\n');
}

function toJson(document: ChipDocument, photoPath: string | undefined): unknown {
  const image = document.dg2?.images[0];
  return {
    accessProtocol: document.accessProtocol,
    personalData: document.dg13 ? Object.fromEntries(Object.entries(document.dg13).filter(([k]) => k !== 'raw')) : undefined,
    mrz: document.dg1?.mrz,
    photo: image ? { format: image.format, width: image.width, height: image.height, bytes: image.data.length, path: photoPath } : undefined,
    dataGroups: document.com?.dataGroups,
    files: Object.fromEntries([...document.files].map(([name, bytes]) => [name, bytes.length])),
    unread: document.unread,
    stats: document.stats,
  };
}
