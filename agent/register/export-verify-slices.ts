/**
 * Cutting an export file into slices that can be checked apart (export-verify-parallel.ts): each slice
 * starts at an entry line, at a line boundary, and carries the seq and hash stated by the entry line just
 * before it, found by reading backwards from the boundary. Only a few lines are read here; the workers read
 * the slices.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ExportHeader } from './export-format.ts';
import type { SliceStart } from './export-verify.ts';
import { parseExportLine } from './export-verify-lines.ts';

export interface ExportSlice {
  /** Byte offsets: the slice is [from, to), whole lines. */
  from: number;
  to: number;
  /** null: the slice right after the header, which owns the header's own checks. */
  start: SliceStart | null;
}

export interface SlicePlan {
  header: ExportHeader;
  slices: ExportSlice[];
}

const LF = 10;
/** A line is read in growing chunks: most are a few KB, one with a frame a few hundred. */
const FIRST_CHUNK = 16 * 1024;
const MAX_CHUNK = 1 << 20;

/**
 * Up to `count` slices of about the same size, none under `minSliceBytes`; or cut at the first entry line
 * at or after each offset of `cutAt` (tests: a boundary at a chosen line). Null when the file is not worth or not regular enough to cut (one slice, a blank first
 * line, no line after the header): then one pass says exactly what is wrong. Throws what parsing line 1 throws.
 */
export async function planSlices(file: FileHandle, size: number, count: number, minSliceBytes: number, cutAt?: readonly number[]): Promise<SlicePlan | null> {
  const first = await lineAt(file, 0, size);
  if (!first || first.text.trim() === '' || first.next >= size) return null;
  const header = parseExportLine(first.text, 1) as ExportHeader;
  const headerEnd = first.next;
  const body = size - headerEnd;
  const wanted = Math.min(count, Math.max(1, Math.floor(body / Math.max(1, minSliceBytes))));
  const targets = cutAt ? [...cutAt].sort((a, b) => a - b) : Array.from({ length: wanted - 1 }, (_, i) => headerEnd + Math.floor(((i + 1) * body) / wanted));
  const starts: { from: number; start: SliceStart }[] = [];
  // Where the slice being cut off began: a line start, and an entry line unless it is the first slice.
  let low = headerEnd;
  for (const wantedAt of targets) {
    const target = Math.max(low + 1, wantedAt);
    const boundary = await nextEntryLine(file, await lineStartFrom(file, target, size), size);
    if (boundary === null) break;
    const start = await entryBefore(file, boundary, low);
    // No entry in the first slice yet: it grows to the next boundary instead.
    if (!start) continue;
    starts.push({ from: boundary, start });
    low = boundary;
  }
  if (starts.length === 0) return null;
  const slices: ExportSlice[] = [{ from: headerEnd, to: starts[0]!.from, start: null }];
  starts.forEach((s, i) => slices.push({ from: s.from, to: starts[i + 1]?.from ?? size, start: s.start }));
  return { header, slices };
}

/** The line starting at `start` (without its LF or CRLF) and where the next one starts; null at the end of the file. */
async function lineAt(file: FileHandle, start: number, size: number): Promise<{ text: string; next: number } | null> {
  if (start >= size) return null;
  const parts: Buffer[] = [];
  let chunk = FIRST_CHUNK;
  for (let at = start; at < size; chunk = Math.min(MAX_CHUNK, chunk * 2)) {
    const data = await readAt(file, at, Math.min(chunk, size - at));
    if (data.length === 0) break;
    const end = data.indexOf(LF);
    if (end !== -1) {
      parts.push(data.subarray(0, end));
      return { text: textOf(parts, true), next: at + end + 1 };
    }
    parts.push(data);
    at += data.length;
  }
  return { text: textOf(parts, false), next: size };
}

/** The first line start at or after `position`. */
async function lineStartFrom(file: FileHandle, position: number, size: number): Promise<number> {
  let chunk = FIRST_CHUNK;
  for (let at = position - 1; at < size; chunk = Math.min(MAX_CHUNK, chunk * 2)) {
    const data = await readAt(file, at, Math.min(chunk, size - at));
    if (data.length === 0) break;
    const end = data.indexOf(LF);
    if (end !== -1) return at + end + 1;
    at += data.length;
  }
  return size;
}

/** The first entry line from the line start `at` on (its offset), or null when none is left. */
async function nextEntryLine(file: FileHandle, at: number, size: number): Promise<number | null> {
  for (let line = await lineAt(file, at, size); line; line = await lineAt(file, at, size)) {
    if (entryOf(line.text)) return at;
    at = line.next;
  }
  return null;
}

/** The seq and hash of the last entry line before the line start `end`, looking no further back than `low`. */
async function entryBefore(file: FileHandle, end: number, low: number): Promise<SliceStart | null> {
  for (let line = await lineBefore(file, end, low); line; line = await lineBefore(file, line.start, low)) {
    const entry = entryOf(line.text);
    if (entry) return { seq: entry.seq, hash: entry.hash };
  }
  return null;
}

/** The line that ends just before the line start `end` (its LF at end - 1), not reading before `low`. */
async function lineBefore(file: FileHandle, end: number, low: number): Promise<{ text: string; start: number } | null> {
  if (end <= low) return null;
  const parts: Buffer[] = [];
  let chunk = FIRST_CHUNK;
  for (let from = end - 1; from > low; chunk = Math.min(MAX_CHUNK, chunk * 2)) {
    const at = Math.max(low, from - chunk);
    const data = await readAt(file, at, from - at);
    const newline = data.lastIndexOf(LF);
    if (newline !== -1) {
      parts.unshift(data.subarray(newline + 1));
      return { text: textOf(parts, true), start: at + newline + 1 };
    }
    parts.unshift(data);
    from = at;
  }
  return { text: textOf(parts, true), start: low };
}

/** An entry line's parsed value, or null for any other line (a checkpoint, a blank or damaged line). */
function entryOf(text: string): { seq?: unknown; hash?: unknown } | null {
  try {
    const value = JSON.parse(text) as { type?: unknown; seq?: unknown; hash?: unknown } | null;
    return value?.type === 'entry' ? value : null;
  } catch {
    return null;
  }
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** As the line reader does: a CR before the LF is not part of the line. */
function textOf(parts: Buffer[], endedByLf: boolean): string {
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const stop = endedByLf && data.length > 0 && data[data.length - 1] === 13 ? data.length - 1 : data.length;
  return data.toString('utf8', 0, stop);
}
