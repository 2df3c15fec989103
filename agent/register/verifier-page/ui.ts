/**
 * The page's script (bundled into the one HTML file): reads the inspector's keys and the export file, runs
 * verify.ts, and shows the verdict, the export's facts and the entries. Everything stays in this browser:
 * the page's CSP forbids any connection, and file content is only ever set as text.
 */
import { byId, h, type El, type ImgEl, type InputEl } from './dom.ts';
import type { EntryView } from './entry-view.ts';
import { KeyInputError, parseCaCertificates, parseDeviceKeys, requireIssuedBy, type DeviceKey } from './keys.ts';
import { DECISION_LABELS, KIND_LABELS, label, PROBLEM_LABELS, vietnamTime } from './labels.ts';
import { ExportFileError, verifyExportFile, type PageProblem, type PageReport } from './verify.ts';

const PAGE_ROWS = 500;

interface Row extends Omit<EntryView, 'frame'> {
  frame: Blob | null;
}

let rows: Row[] = [];
/** The rows the filter lets through, and how many of them are on the page. */
let visible: Row[] = [];
let shown = 0;
let bad = new Set<number>();
let frameUrl: string | null = null;

async function readKeys(): Promise<DeviceKey[]> {
  const keys: DeviceKey[] = [];
  const pasted = byId<InputEl>('key-text').value;
  if (pasted.trim() !== '') keys.push(...(await parseDeviceKeys(pasted, 'Khóa đã dán (pasted key)')));
  for (const file of Array.from(byId<InputEl>('key-files').files ?? [])) keys.push(...(await parseDeviceKeys(await file.text(), `Tệp khóa ${file.name}`)));
  const caFiles = Array.from(byId<InputEl>('ca-files').files ?? []);
  if (caFiles.length === 0) return keys;
  const cas = [];
  for (const file of caFiles) cas.push(...parseCaCertificates(await file.text(), `Tệp CA ${file.name}`));
  return requireIssuedBy(keys, cas);
}

function banner(verdict: string, lead: string, detail: string, first?: PageProblem): void {
  const element = byId('verdict');
  element.dataset.verdict = verdict;
  element.dataset.firstSeq = first ? String(first.seq) : '';
  element.dataset.firstKind = first?.kind ?? '';
  element.replaceChildren(h('strong', {}, lead), h('span', { class: 'detail' }, detail));
  byId('result').hidden = false;
}

function where(seq: number): string {
  return seq === 0 ? 'phần đầu của bản xuất (the header)' : `mục số ${seq} (entry #${seq})`;
}

function showReport(report: PageReport, caChecked: boolean): void {
  const first = report.problems[0];
  if (report.verdict === 'cannot-tell') {
    banner(
      'cannot-tell',
      'KHÔNG THỂ KẾT LUẬN — cần khóa công khai hoặc chứng thư của thiết bị',
      `Lấy khóa từ hồ sơ của cơ quan quản lý hoặc chứng thư của thiết bị, không lấy từ tệp xuất. Bản xuất ghi khóa ${report.key.keyId}. ` +
        "CANNOT TELL: give the terminal's public key or certificate; a key inside the file would prove nothing.",
    );
  } else if (report.verdict === 'intact') {
    banner(
      'intact',
      `TOÀN VẸN — ${report.entries} mục (số ${report.fromSeq}–${report.toSeq}), mọi mã băm và chữ ký đều đúng`,
      `Thiết bị có khóa ${report.key.keyId} đã ký lúc xuất ${report.exportSignedAt ? vietnamTime(report.exportSignedAt) : ''} (giờ VN). INTACT: every hash and signature checks out.`,
    );
  } else if (first?.kind === 'key-mismatch') {
    banner('broken', 'KHÔNG TOÀN VẸN — không do thiết bị có khóa đã cung cấp ký', `${first.message}. NOT VERIFIED: not signed by the key given.`, first);
  } else if (first) {
    banner('broken', `KHÔNG TOÀN VẸN — hỏng tại ${where(first.seq)}: ${label(PROBLEM_LABELS, first.kind)}`, `${first.message}. BROKEN at #${first.seq} [${first.kind}]; ${report.problems.length} vấn đề (problems).`, first);
  }
  bad = new Set(report.problems.map((p) => p.seq));
  // Without a key nothing in the file is believed: no facts from it beyond the key id to look for.
  if (report.verdict === 'cannot-tell') return;
  const facts: [string, string][] = [
    ['Tạo lúc / created', `${vietnamTime(report.header.createdAt)} (giờ VN)`],
    ['Các mục / entries', `${report.entries} (số ${report.fromSeq}–${report.toSeq})`],
    ['Điểm / site', report.header.siteIds.join(', ') || '—'],
    ['Thiết bị / device', report.header.deviceIds.join(', ') || '—'],
    ['Khóa trong bản xuất / key id', `${report.key.keyId}${report.key.trusted ? ' (khớp khóa đã cung cấp / a key given)' : ' (KHÔNG khớp khóa nào đã cung cấp / not a key given)'}`],
    ['Khóa đã cung cấp / keys given', report.trustedKeyIds.join(', ') || '—'],
    ['Chứng thư do CA cấp / issued by the CA', caChecked ? 'có, đã kiểm tra mọi khóa (yes, every key checked)' : 'không kiểm tra (no CA given)'],
    ['Đã ký đến mục / signed through', String(report.signedThrough)],
  ];
  byId('summary').replaceChildren(...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  byId('problems').replaceChildren(
    ...report.problems.slice(0, 200).map((p) => h('li', { 'data-seq': String(p.seq), 'data-kind': p.kind }, `${where(p.seq)}: [${label(PROBLEM_LABELS, p.kind)} / ${p.kind}] ${p.message}`)),
  );
}

function cell(text: string, attributes: Record<string, string> = {}): El {
  return h('td', attributes, text);
}

function rowOf(r: Row): El {
  const purged = r.personal === 'purged';
  const name = purged ? 'đã xóa theo hạn lưu trữ (purged)' : r.personal === 'sealed' ? 'đã mã hóa, không có khóa (sealed)' : (r.fullName ?? r.note ?? '—');
  const frameCell = h('td', {});
  if (r.frame) {
    const button = h('button', { type: 'button', class: 'frame-button', 'data-seq': String(r.seq) }, 'Xem ảnh');
    button.addEventListener('click', () => showFrame(r));
    frameCell.append(button);
  }
  const classes = [purged ? 'purged' : '', bad.has(r.seq) ? 'bad' : ''].filter(Boolean).join(' ');
  return h(
    'tr',
    { 'data-seq': String(r.seq), 'data-kind': r.kind, 'data-purged': String(purged), ...(classes ? { class: classes } : {}) },
    cell(String(r.seq)),
    cell(vietnamTime(r.recordedAt), { title: r.recordedAt }),
    cell(label(KIND_LABELS, r.kind)),
    cell(r.kind === 'verification' ? label(DECISION_LABELS, r.decision) : '—'),
    cell(name, { class: 'name' }),
    cell(r.idNumber ?? '—', { class: 'id-number' }),
    cell(r.reasons.join('; ') || '—'),
    frameCell,
  );
}

function showMore(): void {
  const body = byId('entry-rows');
  body.append(...visible.slice(shown, shown + PAGE_ROWS).map(rowOf));
  shown = Math.min(visible.length, shown + PAGE_ROWS);
  const more = byId('more');
  more.hidden = shown >= visible.length;
  more.textContent = `Xem thêm ${Math.min(PAGE_ROWS, visible.length - shown)} mục (show more; ${visible.length - shown} left)`;
}

/** Name words without diacritics (đ → d), lower case: "Mẫu" finds "mau" and "Mẫu". */
const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();

/** Rows whose seq, name, ID number or note contain every word typed. */
function applyFilter(): void {
  const words = fold(byId<InputEl>('filter').value).split(/\s+/).filter(Boolean);
  visible = words.length === 0 ? rows : rows.filter((r) => {
    const text = fold(`#${r.seq} ${r.fullName ?? ''} ${r.idNumber ?? ''} ${r.note ?? ''}`);
    return words.every((w) => text.includes(w));
  });
  shown = 0;
  byId('entry-rows').replaceChildren();
  byId('filter-count').textContent = `${visible.length} / ${rows.length} mục`;
  showMore();
}

function showFrame(r: Row): void {
  if (frameUrl) URL.revokeObjectURL(frameUrl);
  frameUrl = URL.createObjectURL(r.frame!);
  const img = byId<ImgEl>('frame-img');
  img.src = frameUrl;
  img.alt = `Ảnh camera của mục ${r.seq}`;
  byId('frame-caption').textContent = `Mục ${r.seq} — ${vietnamTime(r.recordedAt)} — ${r.fullName ?? ''}`;
  const figure = byId('frame-view');
  figure.hidden = false;
  figure.dataset.seq = String(r.seq);
  figure.scrollIntoView?.();
}

async function run(): Promise<void> {
  const button = byId<InputEl>('verify');
  const progress = byId('progress');
  const file = byId<InputEl>('export-file').files?.[0];
  rows = [];
  shown = 0;
  byId('entry-rows').replaceChildren();
  byId('entries-section').hidden = true;
  byId('frame-view').hidden = true;
  byId('summary').replaceChildren();
  byId('problems').replaceChildren();
  if (!file) return banner('error', 'Chưa chọn tệp bản xuất', 'Choose the export file (.jsonl) first.');
  button.disabled = true;
  progress.textContent = 'Đang kiểm tra… (checking)';
  try {
    const keys = await readKeys();
    const report = await verifyExportFile(file, keys, {
      onEntry: (e) => rows.push({ ...e, frame: e.frame ? new Blob([e.frame.slice().buffer as ArrayBuffer], { type: 'image/jpeg' }) : null }),
      onProgress: (lines) => (progress.textContent = `Đang kiểm tra… đã đọc ${lines} dòng (lines read)`),
    });
    showReport(report, keys.length > 0 && keys.every((k) => k.issuedByCa));
    if (report.verdict !== 'cannot-tell') {
      byId('entries-section').hidden = false;
      applyFilter();
    }
    progress.textContent = '';
  } catch (error) {
    const known = error instanceof KeyInputError || error instanceof ExportFileError;
    banner('error', known ? 'KHÔNG KIỂM TRA ĐƯỢC' : 'LỖI KHÔNG LƯỜNG TRƯỚC (unexpected error)', (error as Error).message);
    progress.textContent = '';
  } finally {
    button.disabled = false;
  }
}

byId('verify').addEventListener('click', () => void run());
byId('more').addEventListener('click', showMore);
byId('filter').addEventListener('input', applyFilter);
byId('verify').dataset.ready = 'true';
