/**
 * The inspection page's data answers, each for a logged-in inspector only (server.ts checks the session
 * first). Every search, view, print and export is written to the register as an inspection entry BEFORE the
 * data goes out: when the register cannot record who looked, nothing is shown.
 */
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { HttpError, SECURITY_HEADERS, sendJson } from '../ui/http-util.ts';
import type { ChainState } from './chain-state.ts';
import type { InspectionAction, InspectionRegister, RegisterQuery } from './port.ts';
import { dayRange, type DayRange } from './time-range.ts';
import { entryView, printRow } from './views.ts';

export const PAGE_SIZE = 50;
/** A printed register longer than this is split by the inspector into shorter date ranges. */
export const PRINT_LIMIT = 2000;
const KINDS = ['verification'];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).or(z.literal('')).optional();
const filterSchema = z.strictObject({
  from: day,
  to: day,
  idNumber: z.string().trim().regex(/^[0-9A-Za-z]{0,20}$/, 'số định danh chỉ gồm chữ số (tối đa 20 ký tự)').optional(),
  name: z.string().trim().max(100, 'họ tên tối đa 100 ký tự').optional(),
  decision: z.enum(['verified', 'rejected', 'error', '']).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  frames: z.enum(['1']).optional(),
});
type Filter = z.infer<typeof filterSchema>;

export interface ApiContext {
  register: InspectionRegister;
  timeZone: string;
  chain: { current(): ChainState };
  exportDir: string;
}

/** Query string → validated filter; a clear Vietnamese 400 otherwise. */
export function parseFilter(url: URL, timeZone: string): { filter: Filter; range: DayRange } {
  const raw = Object.fromEntries([...url.searchParams].filter(([key]) => key in filterSchema.shape));
  const parsed = filterSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new HttpError(400, 'INVALID_INPUT', `Tham số "${first.path.join('.')}" không hợp lệ: ${first.message}`);
  }
  try {
    return { filter: parsed.data, range: dayRange(parsed.data.from ?? null, parsed.data.to ?? null, timeZone) };
  } catch (error) {
    throw new HttpError(400, 'INVALID_INPUT', (error as Error).message);
  }
}

function registerQuery(filter: Filter, range: DayRange): RegisterQuery {
  return {
    kinds: KINDS,
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
    ...(filter.idNumber ? { idNumber: filter.idNumber } : {}),
    ...(filter.name ? { name: filter.name } : {}),
    ...(filter.decision ? { decision: filter.decision } : {}),
  };
}

function record(ctx: ApiContext, action: InspectionAction, query: unknown): void {
  try {
    ctx.register.recordInspection(action, query);
  } catch (error) {
    throw new HttpError(503, 'STORAGE_FAILED', `Không ghi được lượt kiểm tra vào sổ nên không hiển thị dữ liệu. The inspection could not be recorded: ${(error as Error).message}`);
  }
}

const rangeOf = (range: DayRange) => ({ from: range.fromDay, to: range.toDay });

export function search(ctx: ApiContext, inspector: string, url: URL, res: ServerResponse): void {
  const { filter, range } = parseFilter(url, ctx.timeZone);
  const page = filter.page ?? 1;
  record(ctx, { inspector, action: 'search', range: rangeOf(range) }, filter);
  const query = registerQuery(filter, range);
  const result = ctx.register.search({ ...query, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, order: 'desc' });
  // Counts are for a date range: over the whole register they would count every entry ever made, on each search.
  const counts = range.from || range.to ? ctx.register.countsByDecision({ ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}), kinds: KINDS }) : null;
  sendJson(res, 200, { items: result.items, total: result.total, page, pageSize: PAGE_SIZE, counts, range: rangeOf(range) });
}

function seqOf(url: URL): number {
  const seq = Number(url.searchParams.get('seq'));
  if (!Number.isSafeInteger(seq) || seq < 1) throw new HttpError(400, 'INVALID_INPUT', 'Số thứ tự mục (seq) phải là số nguyên ≥ 1');
  return seq;
}

export function entry(ctx: ApiContext, inspector: string, url: URL, res: ServerResponse): void {
  const seq = seqOf(url);
  const found = ctx.register.read(seq);
  if (!found) throw new HttpError(404, 'NOT_FOUND', `Sổ không có mục số ${seq}`);
  record(ctx, { inspector, action: 'view', seqs: [seq] }, { seq });
  sendJson(res, 200, entryView(found));
}

/** The frame of an entry the inspector opens (the view was recorded when its details were asked for). */
export function frame(ctx: ApiContext, url: URL, res: ServerResponse): void {
  const seq = seqOf(url);
  const jpeg = ctx.register.read(seq)?.frameJpeg;
  if (!jpeg) throw new HttpError(404, 'NOT_FOUND', `Mục số ${seq} không có ảnh (không chụp, hoặc đã xóa theo thời hạn lưu trữ)`);
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length, 'Cache-Control': 'no-store' });
  res.end(jpeg);
}

export function print(ctx: ApiContext, inspector: string, url: URL, res: ServerResponse): void {
  const { filter, range } = parseFilter(url, ctx.timeZone);
  if (!range.from || !range.to) throw new HttpError(400, 'INVALID_INPUT', 'Chọn "từ ngày" và "đến ngày" để in sổ');
  const query = registerQuery(filter, range);
  const first = ctx.register.search({ ...query, limit: 1, order: 'asc' });
  if (first.total > PRINT_LIMIT) throw new HttpError(400, 'TOO_LARGE', `Khoảng này có ${first.total} mục, nhiều hơn ${PRINT_LIMIT}: hãy in từng khoảng ngày ngắn hơn`);
  record(ctx, { inspector, action: 'print', range: rangeOf(range) }, filter);
  const rows = [];
  for (let offset = 0; offset < first.total; offset += 500) {
    for (const item of ctx.register.search({ ...query, limit: 500, offset, order: 'asc' }).items) {
      const full = ctx.register.read(item.seq);
      if (full) rows.push(printRow(full));
    }
  }
  sendJson(res, 200, { rows, range: rangeOf(range), timeZone: ctx.timeZone });
}

/** A signed export of every entry recorded in the day range, written to a private file and streamed out. */
export async function exportRange(ctx: ApiContext, inspector: string, url: URL, res: ServerResponse): Promise<void> {
  const { filter, range } = parseFilter(url, ctx.timeZone);
  const frames = filter.frames === '1';
  mkdirSync(ctx.exportDir, { recursive: true, mode: 0o700 });
  const path = join(ctx.exportDir, `export-${randomBytes(8).toString('hex')}.jsonl`);
  try {
    try {
      ctx.register.exportToFile(path, { ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) }, { frames });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'INVALID_INPUT') throw new HttpError(404, 'NOT_FOUND', `Không có mục nào trong khoảng ngày đã chọn. ${(error as Error).message}`);
      throw error;
    }
    record(ctx, { inspector, action: 'export', range: rangeOf(range) }, { from: range.fromDay, to: range.toDay, frames });
    const name = `xacminh-so-dang-ky-${range.fromDay ?? 'dau'}-${range.toDay ?? 'nay'}.jsonl`;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'no-store' });
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(path);
      stream.once('error', reject);
      res.once('close', resolve);
      stream.pipe(res);
    });
  } finally {
    rmSync(path, { force: true });
  }
}

export function chain(ctx: ApiContext, res: ServerResponse): void {
  sendJson(res, 200, ctx.chain.current());
}
