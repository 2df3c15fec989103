/**
 * Checks the local register against anchors held off the device: the (seq, head hash) pairs the central side
 * received in verification events (JWS) and published checkpoints. Signed by the device, they cannot be taken
 * back, so a register rewritten, cut, rolled back to an older copy or replaced no longer matches them.
 * Local hashes are recomputed from the entries, never read from the stored hash column: an edit that left the
 * column alone is still caught.
 */
import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { XacminhError } from '../../drivers/errors.ts';
import { EVENT_JWS_TYP, type VerificationEvent } from '../events/event.ts';
import { GENESIS_HASH, checkpointProblem, entryHash, type ChainedEntry } from './chain.ts';
import { checkpointFromMessage, checkpointMessageSchema } from './checkpoint-event.ts';

export interface Anchor {
  seq: number;
  headHash: string;
  /** 1-based line of the anchors file it came from. */
  line: number;
  source: 'event' | 'checkpoint';
}

export interface AnchorProblem {
  seq: number;
  kind: 'rewritten' | 'rolled-back' | 'replaced';
  message: string;
}

export interface AnchorReport {
  anchors: number;
  /** Lines that are not usable anchors (bad signature, unknown format, an event without a register anchor), with why. */
  ignored: { line: number; reason: string }[];
  localHead: number;
  /** Highest anchored seq that matched the local register (0 if none). */
  matchedThrough: number;
  /** The first seq where the local register differs from what the central side holds; null when it does not. */
  firstDifference: number | null;
  problems: AnchorProblem[];
  ok: boolean;
}

/**
 * Parses a JSON Lines file of anchors: verification event JWS strings (bare, or as a JSON string) and checkpoint
 * JSON objects. Each signature must verify with one of the device's keys (by key id); lines that do not are
 * ignored and reported, never trusted.
 */
export async function parseAnchors(text: string, keys: ReadonlyMap<string, KeyObject>): Promise<{ anchors: Anchor[]; ignored: { line: number; reason: string }[] }> {
  const anchors: Anchor[] = [];
  const ignored: { line: number; reason: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const line = i + 1;
    try {
      const value: unknown = raw.startsWith('{') || raw.startsWith('"') ? JSON.parse(raw) : raw;
      anchors.push(typeof value === 'string' ? { ...(await eventAnchor(value, keys)), line, source: 'event' } : { ...checkpointAnchor(value, keys), line, source: 'checkpoint' });
    } catch (error) {
      ignored.push({ line, reason: (error as Error).message });
    }
  }
  return { anchors, ignored };
}

async function eventAnchor(jws: string, keys: ReadonlyMap<string, KeyObject>): Promise<{ seq: number; headHash: string }> {
  const header = decodeProtectedHeader(jws);
  if (header.typ !== EVENT_JWS_TYP) throw new Error(`not a verification event (typ ${String(header.typ)})`);
  const key = header.kid ? keys.get(header.kid) : undefined;
  if (!key) throw new Error(`the event is signed with key ${String(header.kid)}, which is not one of this device's keys`);
  const { payload } = await compactVerify(jws, key, { algorithms: ['ES256'] }).catch(() => {
    throw new Error("the event's signature does not verify with this device's key");
  });
  const event = JSON.parse(new TextDecoder().decode(payload)) as Partial<VerificationEvent>;
  const anchor = event.register;
  if (!anchor || !Number.isInteger(anchor.seq) || anchor.seq < 1 || !/^[0-9a-f]{64}$/.test(anchor.headHash)) throw new Error(`event ${String(event.id)} carries no register anchor (built by an older version)`);
  return { seq: anchor.seq, headHash: anchor.headHash };
}

function checkpointAnchor(value: unknown, keys: ReadonlyMap<string, KeyObject>): { seq: number; headHash: string } {
  const parsed = checkpointMessageSchema.safeParse(value);
  if (!parsed.success) throw new Error(`not a checkpoint: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
  const problem = checkpointProblem(keys, checkpointFromMessage(parsed.data));
  if (problem) throw new Error(problem);
  return { seq: parsed.data.seq, headHash: parsed.data.headHash };
}

/** Walks the local entries in seq order (lazily) against the anchors; reports every difference, the first one first. */
export function checkAnchors(entries: Iterable<ChainedEntry>, anchors: readonly Anchor[], ignored: { line: number; reason: string }[] = []): AnchorReport {
  const sorted = [...anchors].sort((a, b) => a.seq - b.seq);
  const problems: AnchorProblem[] = [];
  let next = 0;
  let previous: Uint8Array = GENESIS_HASH;
  let localHead = 0;
  let matchedThrough = 0;
  let matched = 0;
  for (const entry of entries) {
    // Anchored seqs the local register skips over: the entry is gone.
    while (next < sorted.length && sorted[next]!.seq < entry.seq) {
      const gone = sorted[next++]!;
      problems.push({ seq: gone.seq, kind: 'rewritten', message: `entry ${gone.seq} is missing from the local register, but the central side holds it (anchor line ${gone.line})` });
    }
    const computed = entryHash(previous, entry);
    const hash = Buffer.from(computed).toString('hex');
    while (next < sorted.length && sorted[next]!.seq === entry.seq) {
      const anchor = sorted[next++]!;
      if (anchor.headHash === hash) {
        matched++;
        matchedThrough = entry.seq;
      } else if (!problems.some((p) => p.seq === entry.seq)) {
        problems.push({ seq: entry.seq, kind: 'rewritten', message: `entry ${entry.seq} differs from what the central side holds (${anchor.source} on anchor line ${anchor.line}): it, or an entry before it, was rewritten` });
      }
    }
    previous = computed;
    localHead = entry.seq;
  }
  if (next < sorted.length) {
    const last = sorted[sorted.length - 1]!.seq;
    problems.push(
      localHead === 0
        ? { seq: 1, kind: 'replaced', message: `the local register is empty, but the central side holds anchors up to entry ${last}: it was deleted and created anew` }
        : { seq: localHead + 1, kind: 'rolled-back', message: `the local register ends at entry ${localHead}, but the central side holds anchors up to entry ${last}: it was cut or rolled back to an older copy` },
    );
  }
  problems.sort((a, b) => a.seq - b.seq);
  // Nothing the central side holds matches: not an edit but another register in its place.
  if (matched === 0 && problems[0] && problems[0].kind === 'rewritten') {
    problems[0] = { ...problems[0], kind: 'replaced', message: `no anchor matches the local register (first difference at entry ${problems[0].seq}): the register was replaced by another one` };
  }
  return { anchors: anchors.length, ignored, localHead, matchedThrough, firstDifference: problems[0]?.seq ?? null, problems, ok: problems.length === 0 };
}

/** Refuses a file with no usable anchor: then nothing was checked, and saying "intact" would be a lie. */
export function assertUsableAnchors(anchors: readonly Anchor[], ignored: readonly { line: number; reason: string }[], file: string): void {
  if (anchors.length > 0) return;
  const why = ignored.length > 0 ? ` (line ${ignored[0]!.line}: ${ignored[0]!.reason})` : ' (the file is empty)';
  throw new XacminhError('INVALID_INPUT', `${file} holds no anchor signed by this device${why}: give the events and checkpoints the central side received, one per line`, { field: 'anchors', ignored: ignored.length });
}
