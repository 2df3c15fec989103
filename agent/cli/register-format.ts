/**
 * How `register list` and `register show` put a record into Vietnamese for the inspector and the technician.
 * The stored values (verdicts, step names…) are English codes; the JSON output keeps them as stored.
 */
import { DG13_LABELS } from '../labels.ts';
import type { ChipSummary, Reason, StepTiming, VerificationRecord } from '../session/record.ts';
import { zoneLabel } from './site-time-zone.ts';

export const DECISION_LABELS: Readonly<Record<string, string>> = Object.freeze({ verified: 'ĐẠT', rejected: 'KHÔNG ĐẠT', error: 'LỖI' });

const ACCESS_KEY_LABELS: Readonly<Record<string, string>> = { 'id-number': 'số định danh', can: 'mã CAN', mrz: 'vùng MRZ', 'document-fields': 'thông tin giấy tờ nhập tay', qr: 'mã QR' };

const CHIP_VERDICT_LABELS: Readonly<Record<ChipSummary['verdict'], string>> = { genuine: 'thẻ thật', 'not-genuine': 'không phải thẻ thật', 'cannot-tell': 'không đủ căn cứ kết luận' };
const CHECK_LABELS: Readonly<Record<string, string>> = { passed: 'đạt', failed: 'không đạt', 'not-checked': 'không kiểm tra' };
const FACE_DECISION_LABELS: Readonly<Record<string, string>> = {
  match: 'khớp với ảnh trong chip',
  'no-match': 'không khớp với ảnh trong chip',
  'not-live': 'không phải người thật',
  'no-face': 'không thấy khuôn mặt',
  'not-available': 'không chạy được trên máy này',
  error: 'lỗi',
};
const LIVENESS_LABELS: Readonly<Record<string, string>> = { live: 'người thật', spoof: 'nghi giả mạo (ảnh in hoặc màn hình)', inconclusive: 'chưa kết luận được' };
const CHALLENGE_LABELS: Readonly<Record<string, string>> = { blink: 'chớp mắt', 'turn-left': 'quay sang trái', 'turn-right': 'quay sang phải', nod: 'gật đầu' };

/** The challenge in the register's Vietnamese (the code itself when unknown). */
export function challengeLabel(kind: string): string {
  return label(CHALLENGE_LABELS, kind);
}
const STEP_LABELS: Readonly<Record<StepTiming['step'], string>> = {
  'access-key': 'khóa truy cập',
  'read-chip': 'đọc chip',
  authenticity: 'kiểm tra thẻ thật',
  face: 'khuôn mặt',
  decision: 'quyết định',
  record: 'ghi sổ',
  event: 'gửi sự kiện',
  indicators: 'đèn/còi báo',
};
const OUTCOME_LABELS: Readonly<Record<StepTiming['outcome'], string>> = { ok: 'xong', failed: 'lỗi', skipped: 'bỏ qua' };

/** An unknown stored value (a newer agent's code) is shown as stored rather than hidden. */
const label = (labels: Readonly<Record<string, string>>, value: string): string => labels[value] ?? value;

/** Reasons on one table row: the first in full, then how many more (`register show` has them all). */
export function reasonsCell(reasons: readonly Reason[], max = 80): string {
  const first = reasons[0]?.messageVi.trim().replace(/\s+/g, ' ').replace(/\.$/, '');
  if (!first) return '—';
  const text = [...first].length > max ? `${[...first].slice(0, max - 1).join('')}…` : first;
  return reasons.length > 1 ? `${text} (+${reasons.length - 1} lý do)` : text;
}

/** ISO time → "22/11/2026 17:00:04" in the terminal's zone (the site config's timeZone; Vietnam by default). */
export function terminalTime(iso: string, timeZone = 'Asia/Ho_Chi_Minh'): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const options = { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' } as const;
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', options).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

/** ISO time → "22/11/2026 17:00:04" in Vietnam time. */
export function vietnamTime(iso: string): string {
  return terminalTime(iso, 'Asia/Ho_Chi_Minh');
}

/** `register show`: every field with a Vietnamese label and Vietnamese values; the codes stay in --json. */
export function formatRecord(seq: number, recordedAt: string, r: VerificationRecord, hasFrame: boolean, timeZone = 'Asia/Ho_Chi_Minh'): string {
  const time = (iso: string) => terminalTime(iso, timeZone);
  const labels = new Map(DG13_LABELS);
  const lines: [string, string][] = [
    ['Mục số', String(seq)],
    ['Mã xác minh', r.id],
    ['Thời điểm ghi', `${time(recordedAt)} (${zoneLabel(timeZone)}) — ${recordedAt}`],
    ['Bắt đầu → kết thúc', `${time(r.startedAt)} → ${time(r.finishedAt)}`],
    ['Điểm / thiết bị', `${r.siteId} / ${r.deviceId}`],
    ['Kết quả', label(DECISION_LABELS, r.decision)],
  ];
  // One reason a line: joined they run together ("…thật.; Chip…").
  if (r.reasons.length === 0) lines.push(['Lý do', '—']);
  r.reasons.forEach((x, i) => lines.push([i === 0 ? 'Lý do' : '', `${r.reasons.length > 1 ? `${i + 1}. ` : ''}${x.messageVi} (mã ${x.code})`]));
  lines.push(['Số tham chiếu', r.operatorReference ?? '—'], ['Mở chip bằng', r.accessKeySource ? label(ACCESS_KEY_LABELS, r.accessKeySource) : '—']);
  if (r.identity) {
    const i = r.identity;
    const fields: [keyof typeof i, string][] = [
      ['idNumber', labels.get('idNumber')!],
      ['fullName', labels.get('fullName')!],
      ['dateOfBirth', labels.get('dateOfBirth')!],
      ['sex', labels.get('sex')!],
      ['nationality', labels.get('nationality')!],
      ['placeOfOrigin', labels.get('placeOfOrigin')!],
      ['placeOfResidence', labels.get('placeOfResidence')!],
      ['dateOfIssue', labels.get('dateOfIssue')!],
      ['dateOfExpiry', labels.get('dateOfExpiry')!],
      ['documentNumber', 'Số giấy tờ'],
    ];
    for (const [key, name] of fields) lines.push([name, i[key] || '—']);
  } else lines.push(['Nhân thân', 'không đọc được từ chip']);
  if (r.chip) {
    const c = r.chip;
    lines.push(['Thẻ thật (chip)', `${label(CHIP_VERDICT_LABELS, c.verdict)}; giao thức ${c.accessProtocol}`]);
    lines.push(['', `dữ liệu ký số (xác thực thụ động) ${label(CHECK_LABELS, c.passive)}; xác thực chủ động ${label(CHECK_LABELS, c.active)}; xác thực chip ${label(CHECK_LABELS, c.chip)}`]);
  }
  if (r.face) {
    const f = r.face;
    lines.push(['Khuôn mặt', `${label(FACE_DECISION_LABELS, f.decision)}; độ giống ${f.similarity?.toFixed(3) ?? '—'} / ngưỡng ${f.threshold.toFixed(3)}`]);
    const live = f.liveness;
    lines.push(['Người thật', live ? `${label(LIVENESS_LABELS, live.decision)}; thử thách ${challengeLabel(live.challenge)} ${live.challengePassed ? 'đạt' : 'không đạt'}` : 'không kiểm tra']);
  } else lines.push(['Khuôn mặt', 'không kiểm tra']);
  lines.push(['Ảnh camera', hasFrame ? 'có (--frame <tệp> để lưu ra)' : 'không lưu']);
  lines.push(['Thời gian các bước', r.steps.map((s) => `${label(STEP_LABELS, s.step)} ${s.ms} ms ${label(OUTCOME_LABELS, s.outcome)}`).join(', ') || '—']);
  const width = Math.max(...lines.map(([name]) => [...name].length));
  return `${lines.map(([name, value]) => `${name}${' '.repeat(width - [...name].length)} : ${value}`).join('\n')}\n`;
}

/** A plain-text table; widths count characters (NFC), so Vietnamese diacritics line up. */
export function table(rows: string[][]): string {
  const cells = rows.map((row) => row.map((cell) => cell.normalize('NFC')));
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => [...row[column]!].length)));
  const line = (row: string[]) => row.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join('  ').trimEnd();
  return `${[line(cells[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')}\n`;
}
