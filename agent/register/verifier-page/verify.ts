/**
 * The page's check of an export, one line at a time, with WebCrypto: the same verdicts and problem kinds as
 * export-verify.ts (the Node verifier), so an inspector gets the same answer from the terminal, the command
 * line and any browser. Only keys the inspector gives are believed; without one the page cannot tell.
 */
import { equalBytes, fromBase64, fromHex, sha256, type CryptoKey } from './bytes.ts';
import { checkpointValid, entryHash1, entryHash2, exportSignatureValid, headerDigest, openSealed } from './chain.ts';
import type { DeviceKey } from './keys.ts';
import { readLines } from './lines.ts';
import { entryView, type EntryView } from './entry-view.ts';

export const EXPORT_FORMAT = 'xacminh-register-export';
/** The export versions this page reads (FORMAT.md "Export format 3"). */
export const EXPORT_VERSIONS: readonly number[] = [2, 3];

export interface PageProblem {
  seq: number;
  kind: string;
  message: string;
}

export type Verdict = 'intact' | 'broken' | 'cannot-tell';

export interface HeaderSummary {
  createdAt: string;
  siteIds: string[];
  deviceIds: string[];
  keyId: string;
  retiredKeyIds: string[];
  fromSeq: number;
  toSeq: number;
  entries: number;
  frames: boolean;
  registerId: string | null;
}

export interface PageReport {
  verdict: Verdict;
  ok: boolean;
  entries: number;
  fromSeq: number;
  toSeq: number;
  key: { keyId: string; trusted: boolean };
  trustedKeyIds: string[];
  checkpoints: number;
  signedThrough: number;
  exportSignedAt: string | null;
  problems: PageProblem[];
  header: HeaderSummary;
}

/** The file is not a readable export (not JSON, not the header first, an unknown version): said in Vietnamese, then English. */
export class ExportFileError extends Error {
  override name = 'ExportFileError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

type Line = Record<string, unknown> & { type?: unknown };

export function parseLine(text: string, lineNumber: number): Line {
  let value: Line;
  try {
    value = JSON.parse(text) as Line;
  } catch (error) {
    throw new ExportFileError(`Dòng ${lineNumber} không phải JSON: tệp bị hỏng hoặc không phải bản xuất sổ (line ${lineNumber} is not JSON: ${(error as Error).message})`, lineNumber);
  }
  if (lineNumber === 1 || value?.type === 'header') {
    if (lineNumber !== 1 || value?.type !== 'header' || value.format !== EXPORT_FORMAT) {
      throw new ExportFileError(`Không phải bản xuất sổ đăng ký: dòng 1 phải là phần đầu ${EXPORT_FORMAT} (not a register export)`, lineNumber);
    }
    if (!EXPORT_VERSIONS.includes(value.version as number)) {
      throw new ExportFileError(`Bản xuất phiên bản ${String(value.version)} không được trang này hỗ trợ (đọc được: ${EXPORT_VERSIONS.join(', ')}): hãy xuất lại bằng phần mềm mới (unsupported export version)`, lineNumber);
    }
    return value;
  }
  if (value?.type === 'entry' || value?.type === 'checkpoint' || value?.type === 'export-checkpoint') return value;
  throw new ExportFileError(`Dòng ${lineNumber}: loại dòng lạ ${JSON.stringify(value?.type)} (unexpected line type)`, lineNumber);
}

export interface VerifyFileOptions {
  /** Each entry as read, with what could be decrypted (the page lists them). */
  onEntry?: (entry: EntryView) => void;
  /** Called every 200 lines with the number read so far (the page shows it while a large file is checked). */
  onProgress?: (lines: number) => void;
}

/** Reads and checks an export file. Without keys: 'cannot-tell', after reading only the header (to say which key it names). */
export async function verifyExportFile(file: Blob, keys: readonly DeviceKey[], options: VerifyFileOptions = {}): Promise<PageReport> {
  const verifier = new PageVerifier(keys, options.onEntry);
  let lineNumber = 0;
  for await (const text of readLines(file)) {
    lineNumber++;
    if (text.trim() === '') continue;
    await verifier.add(parseLine(text, lineNumber));
    if (keys.length === 0) break;
    if (lineNumber % 200 === 0) options.onProgress?.(lineNumber);
  }
  return verifier.finish();
}

const PATTERNS = { hex: /^(?:[0-9a-f]{2})*$/, base64: /^[A-Za-z0-9+/]*={0,2}$/, base64url: /^[A-Za-z0-9_-]*$/ } as const;

interface Checkpoint {
  seq: number;
  headHash: Uint8Array;
  signedAt: string;
  keyId: string;
  signature: Uint8Array;
}

class PageVerifier {
  private readonly keys = new Map<string, CryptoKey>();
  private readonly problems: PageProblem[] = [];
  private header: Line | undefined;
  private previous: Uint8Array = new Uint8Array(0);
  private expectedSeq = 0;
  private last: { seq: number; computed: Uint8Array } | null = null;
  private count = 0;
  private validCheckpoints = 0;
  private signedThrough = 0;
  private exportCheckpoint: Line | null = null;

  constructor(
    keys: readonly DeviceKey[],
    private readonly onEntry?: (entry: EntryView) => void,
  ) {
    for (const k of keys) this.keys.set(k.keyId, k.key);
  }

  async add(line: Line): Promise<void> {
    if (line.type === 'header') return this.onHeader(line);
    if (!this.header) throw new ExportFileError('Không phải bản xuất sổ đăng ký: phần đầu phải ở dòng đầu tiên (the header must come first)', 0);
    if (this.exportCheckpoint) this.problem(Number(line.seq) || 0, 'format', `dòng ${String(line.type)} nằm sau chữ ký của bản xuất, vốn phải là dòng cuối (a ${String(line.type)} line follows the export signature)`);
    if (line.type === 'entry') await this.onEntryLine(line);
    else if (line.type === 'checkpoint') await this.onCheckpoint(line);
    else if (!this.exportCheckpoint) this.exportCheckpoint = line;
  }

  private problem(seq: number, kind: string, message: string): void {
    this.problems.push({ seq, kind, message });
  }

  private onHeader(header: Line): void {
    if (this.header) throw new ExportFileError('Bản xuất có hai phần đầu (a second export header)', 0);
    this.header = header;
    const keyId = String((header.device as { keyId?: unknown } | undefined)?.keyId);
    if (!this.keys.has(keyId)) {
      this.problem(0, 'key-mismatch', `bản xuất ghi khóa thiết bị ${keyId}, không phải khóa nào được cung cấp (${[...this.keys.keys()].join(', ') || 'không có'}): không do thiết bị này tạo, hoặc đã bị ký lại (not a key given: not made by this terminal, or re-signed)`);
    }
    const fromSeq = Number((header.range as { fromSeq?: unknown } | undefined)?.fromSeq);
    this.expectedSeq = Number.isSafeInteger(fromSeq) ? fromSeq : 0;
    this.previous = this.decode(header.previousHash, this.expectedSeq, 'previousHash', 'hex');
  }

  private async onEntryLine(e: Line): Promise<void> {
    this.count++;
    const seq = Number(e.seq);
    const id = String(e.id);
    const recordedAt = String(e.recordedAt);
    const stated = this.decode(e.hash, seq, 'hash', 'hex');
    if (seq !== this.expectedSeq) this.problem(seq, 'gap', `thiếu mục ${this.expectedSeq} (mục kế tiếp là ${seq}) (entry ${this.expectedSeq} is missing)`);
    const digest = (value: unknown, field: string): Uint8Array | null => (value === null || value === undefined ? null : this.decode(value, seq, field, 'hex'));
    const frameSha256 = digest(e.frameSha256, 'frameSha256');
    let computed: Uint8Array;
    let sealedClear: Uint8Array | null = null;
    let frameClear: Uint8Array | null = null;
    if (e.format === 2) {
      const sealedSha256 = digest(e.sealedSha256, 'sealedSha256');
      sealedClear = await this.openPart(e, seq, id, 'sealed', sealedSha256);
      frameClear = await this.openPart(e, seq, id, 'frame', frameSha256);
      computed = await entryHash2(this.previous, { seq, kind: String(e.kind ?? 'verification'), id, recordedAt, publicJson: String(e.publicJson), sealedSha256, frameSha256 });
    } else {
      frameClear = e.frameJpeg === undefined ? null : this.decode(e.frameJpeg, seq, 'frameJpeg', 'base64');
      if (frameClear && frameSha256 && !equalBytes(await sha256(frameClear), frameSha256)) {
        this.problem(seq, 'frame-mismatch', `mục ${seq}: ảnh camera không phải ảnh đã ghi (the camera frame is not the one recorded)`);
        frameClear = null;
      }
      computed = await entryHash1(this.previous, { seq, id, recordedAt, recordJson: String(e.recordJson), frameSha256 });
    }
    const altered = !equalBytes(computed, stated);
    if (altered) this.problem(seq, 'hash-mismatch', `mục ${seq} (${id}) đã bị sửa, hoặc một mục trước nó (entry altered, or one before it)`);
    this.previous = stated;
    this.expectedSeq = seq + 1;
    this.last = { seq, computed };
    this.onEntry?.(entryView(e, { seq, sealedClear, frameClear, altered }));
  }

  /**
   * A format-2 sealed part or frame: the blob given must hash to the digest the entry hash covers, and open
   * with the per-entry key given. Returns the clear bytes, or null (absent, purged, or a problem recorded).
   */
  private async openPart(e: Line, seq: number, id: string, part: 'sealed' | 'frame', digest: Uint8Array | null): Promise<Uint8Array | null> {
    if (e[part] === undefined) return null;
    const blob = this.decode(e[part], seq, part, 'base64');
    const kind = part === 'sealed' ? 'sealed-mismatch' : 'frame-mismatch';
    const what = part === 'sealed' ? 'dữ liệu cá nhân mã hóa (the sealed personal data)' : 'ảnh camera mã hóa (the encrypted camera frame)';
    if (!digest || !equalBytes(await sha256(blob), digest)) {
      this.problem(seq, kind, `mục ${seq}: ${what} không phải bản đã ghi (not the one recorded)`);
      return null;
    }
    const keyField = part === 'sealed' ? 'sealedKey' : 'frameKey';
    if (e[keyField] === undefined) return null;
    const key = this.decode(e[keyField], seq, keyField, 'base64');
    const clear = await openSealed(blob, key, id, part);
    if (!clear) this.problem(seq, 'decrypt-failed', `mục ${seq}: không giải mã được ${what} bằng khóa kèm theo (does not decrypt with the key given)`);
    return clear;
  }

  private async onCheckpoint(line: Line): Promise<void> {
    const checkpoint = this.checkpointOf(line);
    if (!this.last || this.last.seq !== checkpoint.seq) {
      this.problem(checkpoint.seq, 'gap', `điểm ký của mục ${checkpoint.seq} không nằm ngay sau mục đó: có mục bị xóa hoặc dòng bị dời (entries removed or lines moved)`);
      return;
    }
    const invalid = await this.checkpointProblem(checkpoint, 'điểm ký');
    if (invalid) this.problem(checkpoint.seq, 'bad-checkpoint', invalid);
    else if (!equalBytes(checkpoint.headHash, this.last.computed)) this.problem(checkpoint.seq, 'checkpoint-mismatch', `điểm ký tại mục ${checkpoint.seq} đã ký một lịch sử khác (signed a different history)`);
    else {
      this.validCheckpoints++;
      if (this.problems.length === 0) this.signedThrough = checkpoint.seq;
    }
  }

  private async checkpointProblem(c: Checkpoint, what: string): Promise<string | null> {
    const key = this.keys.get(c.keyId);
    if (!key) return `${what} tại mục ${c.seq} ký bằng khóa ${c.keyId}, không phải khóa nào của thiết bị được cung cấp (signed with a key not given)`;
    return (await checkpointValid(key, c)) ? null : `${what} tại mục ${c.seq} không do khóa của thiết bị ký (not signed by the device's key)`;
  }

  async finish(): Promise<PageReport> {
    const header = this.header;
    if (!header) throw new ExportFileError('Tệp trống (the export is empty)', 0);
    const range = (header.range ?? {}) as { fromSeq?: unknown; toSeq?: unknown; entries?: unknown };
    const device = (header.device ?? {}) as { keyId?: unknown; retiredKeyIds?: unknown };
    const fromSeq = Number(range.fromSeq) || 0;
    const toSeq = Number(range.toSeq) || 0;
    const summary: HeaderSummary = {
      createdAt: String(header.createdAt),
      siteIds: Array.isArray(header.siteIds) ? header.siteIds.map(String) : [],
      deviceIds: Array.isArray(header.deviceIds) ? header.deviceIds.map(String) : [],
      keyId: String(device.keyId),
      retiredKeyIds: Array.isArray(device.retiredKeyIds) ? device.retiredKeyIds.map(String) : [],
      fromSeq,
      toSeq,
      entries: Number(range.entries) || 0,
      frames: header.frames === true,
      registerId: typeof (header.register as { registerId?: unknown } | undefined)?.registerId === 'string' ? (header.register as { registerId: string }).registerId : null,
    };
    const base = { entries: this.count, fromSeq, toSeq, key: { keyId: summary.keyId, trusted: this.keys.has(summary.keyId) }, trustedKeyIds: [...this.keys.keys()], header: summary };
    if (this.keys.size === 0) {
      return { ...base, verdict: 'cannot-tell', ok: false, checkpoints: 0, signedThrough: 0, exportSignedAt: null, problems: [] };
    }
    const last = this.last;
    if (this.count !== range.entries) this.problem(last?.seq ?? fromSeq, 'gap', `phần đầu báo ${String(range.entries)} mục, tệp có ${this.count} (the header announces ${String(range.entries)} entries, the file has ${this.count})`);
    if (!last || last.seq < toSeq) this.problem(last ? last.seq + 1 : fromSeq, 'gap', `thiếu các mục ${last ? last.seq + 1 : fromSeq}..${toSeq} ở cuối bản xuất (missing from the end)`);
    for (const p of Array.isArray(header.registerProblems) ? (header.registerProblems as PageProblem[]) : []) {
      this.problem(Number(p.seq) || 0, 'register-problem', `sổ trên thiết bị đã không toàn vẹn khi xuất (the register already failed verification when exported): ${String(p.message)}`);
    }
    await this.checkExportSignature(header, toSeq);
    const problems = this.problems.sort((a, b) => a.seq - b.seq);
    return {
      ...base,
      verdict: problems.length === 0 ? 'intact' : 'broken',
      ok: problems.length === 0,
      checkpoints: this.validCheckpoints,
      signedThrough: this.signedThrough,
      exportSignedAt: typeof this.exportCheckpoint?.signedAt === 'string' ? this.exportCheckpoint.signedAt : null,
      problems,
    };
  }

  /** The export checkpoint: the register-style signature over the last entry, and the export signature over the header with it (as export-verify.ts). */
  private async checkExportSignature(header: Line, toSeq: number): Promise<void> {
    const line = this.exportCheckpoint;
    const last = this.last;
    if (!line) {
      this.problem(toSeq, 'unsigned', 'bản xuất không có chữ ký của thiết bị lúc xuất (sổ không toàn vẹn khi xuất, hoặc dòng cuối đã bị xóa) (no signature made at export time)');
      return;
    }
    if (!last) return;
    const checkpoint = this.checkpointOf(line);
    const keyId = (header.device as { keyId?: unknown } | undefined)?.keyId;
    if (checkpoint.seq !== last.seq) return this.problem(checkpoint.seq, 'checkpoint-mismatch', `chữ ký lúc xuất phủ mục ${checkpoint.seq}, nhưng mục cuối là ${last.seq} (the export checkpoint does not cover the last entry)`);
    if (checkpoint.keyId !== keyId) return this.problem(last.seq, 'header-mismatch', `bản xuất ký bằng khóa ${checkpoint.keyId}, phần đầu ghi ${String(keyId)} (signed with another key than the header names)`);
    const invalid = await this.checkpointProblem(checkpoint, 'chữ ký lúc xuất');
    if (invalid) return this.problem(last.seq, 'bad-checkpoint', invalid);
    if (!equalBytes(checkpoint.headHash, last.computed)) return this.problem(last.seq, 'checkpoint-mismatch', `chữ ký lúc xuất tại mục ${last.seq} đã ký một lịch sử khác (signed a different history)`);
    const digest = await headerDigest(header);
    if (line.headerSha256 !== digest) {
      return this.problem(0, 'header-mismatch', 'phần đầu (khoảng mục, mục đầu, mã băm trước, thời điểm, khóa) không phải phần thiết bị đã ký: đã bị sửa sau khi xuất (the header was changed after export)');
    }
    const signature = this.decode(line.exportSignature, last.seq, 'exportSignature', 'base64url');
    if (!(await exportSignatureValid(this.keys.get(checkpoint.keyId)!, Number(header.version), digest, checkpoint.seq, String(line.headHash), checkpoint.signedAt, signature))) {
      return this.problem(0, 'header-mismatch', 'chữ ký của bản xuất trên phần đầu không phải của thiết bị: phần đầu đã bị sửa sau khi xuất (the export signature over the header is not the terminal\'s)');
    }
    if (this.problems.length === 0) this.signedThrough = last.seq;
  }

  private checkpointOf(c: Line): Checkpoint {
    const seq = Number(c.seq);
    return {
      seq,
      headHash: this.decode(c.headHash, seq, 'checkpoint headHash', 'hex'),
      signedAt: String(c.signedAt),
      keyId: String(c.keyId),
      signature: this.decode(c.signature, seq, 'checkpoint signature', 'base64url'),
    };
  }

  private decode(value: unknown, seq: number, field: string, encoding: keyof typeof PATTERNS): Uint8Array {
    if (typeof value !== 'string' || !PATTERNS[encoding].test(value)) {
      this.problem(seq, 'format', `mục ${seq}: ${field} không phải ${encoding} (${field} is not ${encoding})`);
      return new Uint8Array(0);
    }
    try {
      return encoding === 'hex' ? fromHex(value) : fromBase64(value);
    } catch {
      // atob refuses a length Node's lenient decoder would accept: either way the value is damaged.
      this.problem(seq, 'format', `mục ${seq}: ${field} không phải ${encoding} (${field} is not ${encoding})`);
      return new Uint8Array(0);
    }
  }
}

