/**
 * The chain's state for the page, said plainly: intact, broken at #N, or intact here but with entries the
 * central side does not hold anchors for yet. A full check reads the whole register, so it runs off the
 * event loop (verify-off-thread.ts), at most one at a time, and its result is kept with the time it was made.
 */
import type { ChainReport } from '../register/chain.ts';

export const CHAIN_MAX_AGE_MS = 5 * 60_000;

export type ChainStatus = 'intact' | 'broken' | 'anchors-missing' | 'not-checked' | 'check-failed';

export interface ChainState {
  status: ChainStatus;
  /** The first seq where the chain differs (broken). */
  brokenAt?: number;
  entries?: number;
  signedThrough?: number;
  /** Entries or checkpoints still waiting to leave for the central side. */
  unsentAnchors?: number;
  checkedAt: string | null;
  checking: boolean;
  messageVi: string;
  problems?: { seq: number; kind: string; message: string }[];
}

export interface ChainStateOptions {
  verify: (signal: AbortSignal) => Promise<ChainReport>;
  /** Events and checkpoints waiting in the outbox: the anchors the central side does not have yet. */
  unsentAnchors: () => number;
  now: () => number;
  maxAgeMs?: number;
  onError?: (error: unknown) => void;
}

export class ChainStateCache {
  private last: { report: ChainReport; at: number } | null = null;
  private failure: { message: string; at: number } | null = null;
  private running: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly options: ChainStateOptions) {}

  /** The last result (starting a new check when it is older than maxAgeMs; the page asks again later). */
  current(): ChainState {
    const age = this.last ? this.options.now() - this.last.at : Infinity;
    if (age >= (this.options.maxAgeMs ?? CHAIN_MAX_AGE_MS)) void this.refresh();
    return this.describe();
  }

  /** Runs a check unless one is running; resolves when it is done. */
  refresh(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    this.running ??= this.options
      .verify(this.stopping.signal)
      .then(
        (report) => {
          this.last = { report, at: this.options.now() };
          this.failure = null;
        },
        (error: unknown) => {
          this.failure = { message: (error as Error).message, at: this.options.now() };
          this.options.onError?.(error);
        },
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  stop(): void {
    this.stopping.abort();
  }

  private describe(): ChainState {
    const checking = this.running !== null;
    if (!this.last) {
      if (this.failure) return { status: 'check-failed', checkedAt: new Date(this.failure.at).toISOString(), checking, messageVi: `Không kiểm tra được chuỗi: ${this.failure.message}` };
      return { status: 'not-checked', checkedAt: null, checking, messageVi: 'Đang kiểm tra chuỗi của sổ, vui lòng chờ.' };
    }
    const { report, at } = this.last;
    const base = { entries: report.entries, signedThrough: report.signedThrough, checkedAt: new Date(at).toISOString(), checking };
    if (!report.ok) {
      const brokenAt = Math.min(...report.problems.map((p) => p.seq));
      return { ...base, status: 'broken', brokenAt, problems: report.problems.slice(0, 20), messageVi: `CHUỖI BỊ HỎNG từ mục số ${brokenAt}: sổ đã bị sửa, xóa hoặc chèn từ mục này. Hãy lập biên bản và xuất sổ làm bằng chứng.` };
    }
    const unsent = this.options.unsentAnchors();
    const unsigned = report.entries - report.signedThrough;
    if (unsent > 0 || unsigned > 0) {
      return {
        ...base,
        unsentAnchors: unsent,
        status: 'anchors-missing',
        messageVi: `Chuỗi trên máy nguyên vẹn (${report.entries} mục), nhưng ${unsent > 0 ? `${unsent} mốc neo chưa gửi được lên trung tâm` : `${unsigned} mục cuối chưa có điểm kiểm tra đã ký`}: phần này chưa được đối chiếu bên ngoài máy.`,
      };
    }
    return { ...base, unsentAnchors: 0, status: 'intact', messageVi: `Chuỗi nguyên vẹn: ${report.entries} mục, tất cả đã có điểm kiểm tra đã ký và mốc neo đã gửi lên trung tâm.` };
  }
}
