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
import type { ExportBundle, ExportEntry } from './export-format.ts';

export interface Anchor {
  seq: number;
  headHash: string;
  /** 1-based line of the anchors file it came from. */
  line: number;
  source: 'event' | 'checkpoint';
  /** When the device signed it (checkpoints only): the device never signs an earlier entry after a later one. */
  signedAt?: string;
}

export interface AnchorProblem {
  seq: number;
  kind: 'rewritten' | 'rolled-back' | 'replaced' | 'replayed';
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
  /** How many anchors the local register does not match (the first is the one reported). */
  differences: number;
  /** The first difference, then a replayed checkpoint if one is found: not every later anchor, which would all differ too. */
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
      if (typeof value === 'string') anchors.push({ ...(await eventAnchor(value, keys)), line, source: 'event' });
      else if (isGenesisAnnouncement(value)) anchors.push({ ...checkpointAnchor(value.checkpoint, keys), line, source: 'checkpoint' });
      else anchors.push({ ...checkpointAnchor(value, keys), line, source: 'checkpoint' });
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

/** A genesis announcement (register/genesis.ts) anchors entry 1 through the checkpoint it carries. */
function isGenesisAnnouncement(value: unknown): value is { registerId: string; checkpoint: unknown } {
  return typeof value === 'object' && value !== null && 'registerId' in value && 'checkpoint' in value && (value as { checkpoint: unknown }).checkpoint !== null;
}

function checkpointAnchor(value: unknown, keys: ReadonlyMap<string, KeyObject>): { seq: number; headHash: string; signedAt: string } {
  const parsed = checkpointMessageSchema.safeParse(value);
  if (!parsed.success) throw new Error(`not a checkpoint: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
  const problem = checkpointProblem(keys, checkpointFromMessage(parsed.data));
  if (problem) throw new Error(problem);
  return { seq: parsed.data.seq, headHash: parsed.data.headHash, signedAt: parsed.data.signedAt };
}

/**
 * Walks the local entries in seq order (lazily) against the anchors. Only the first difference is reported
 * (everything after a rewrite or a cut differs too, so listing it adds noise, not evidence), with how many
 * anchors differ in all; then, separately, a checkpoint the device signed after it had already signed a later
 * entry (see replayedCheckpoint).
 */
export function checkAnchors(
  entries: Iterable<ChainedEntry>,
  anchors: readonly Anchor[],
  ignored: { line: number; reason: string }[] = [],
  /** A slice (an export): the seq before its first entry and that entry's hash; anchors before it are outside. */
  start: { seq: number; hash: Uint8Array } = { seq: 0, hash: GENESIS_HASH },
): AnchorReport {
  const sorted = [...anchors].filter((a) => a.seq > start.seq).sort((a, b) => a.seq - b.seq);
  let first: AnchorProblem | null = null;
  let differences = 0;
  const differ = (problem: AnchorProblem) => {
    differences++;
    first ??= problem;
  };
  let next = 0;
  let previous: Uint8Array = start.hash;
  let localHead = start.seq;
  let matchedThrough = start.seq;
  let matched = 0;
  // The slice's starting hash is itself checked against an anchor at that seq, if there is one.
  const hex = Buffer.from(start.hash).toString('hex');
  for (const anchor of anchors) {
    if (start.seq > 0 && anchor.seq === start.seq && anchor.headHash !== hex) {
      differ({ seq: start.seq, kind: 'rewritten', message: `the hash before the first entry (entry ${start.seq}) differs from what the central side holds (${anchor.source} on anchor line ${anchor.line})` });
    }
  }
  for (const entry of entries) {
    // Anchored seqs the local register skips over: the entry is gone.
    while (next < sorted.length && sorted[next]!.seq < entry.seq) {
      const gone = sorted[next++]!;
      differ({ seq: gone.seq, kind: 'rewritten', message: `entry ${gone.seq} is missing from the local register, but the central side holds it (anchor line ${gone.line})` });
    }
    const computed = entryHash(previous, entry);
    const hash = Buffer.from(computed).toString('hex');
    while (next < sorted.length && sorted[next]!.seq === entry.seq) {
      const anchor = sorted[next++]!;
      if (anchor.headHash === hash) {
        matched++;
        if (first === null) matchedThrough = entry.seq;
      } else {
        differ({ seq: entry.seq, kind: 'rewritten', message: `entry ${entry.seq} differs from what the central side holds (${anchor.source} on anchor line ${anchor.line}): it, or an entry before it, was rewritten` });
      }
    }
    previous = computed;
    localHead = entry.seq;
  }
  if (next < sorted.length) {
    const last = sorted[sorted.length - 1]!.seq;
    const beyond = sorted.length - next;
    differences += beyond - 1;
    differ(
      localHead === 0
        ? { seq: 1, kind: 'replaced', message: `the local register is empty, but the central side holds anchors up to entry ${last}: it was deleted and created anew` }
        : { seq: localHead + 1, kind: 'rolled-back', message: `the local register ends at entry ${localHead}, but the central side holds anchors up to entry ${last}: it was cut or rolled back to an older copy` },
    );
  }
  // Nothing the central side holds matches: not an edit but another register in its place.
  const firstProblem = first as AnchorProblem | null;
  const problems: AnchorProblem[] = [];
  if (firstProblem) {
    problems.push(
      matched === 0 && firstProblem.kind === 'rewritten'
        ? { ...firstProblem, kind: 'replaced', message: `no anchor matches the local register (first difference at entry ${firstProblem.seq}): the register was replaced by another one` }
        : firstProblem,
    );
  }
  const replay = replayedCheckpoint(anchors);
  if (replay) problems.push(replay);
  return { anchors: anchors.length, ignored, localHead, matchedThrough, firstDifference: firstProblem?.seq ?? null, differences, problems, ok: problems.length === 0 };
}

/**
 * A device only moves forward: once it has signed entry b, it never signs an earlier entry a < b again. A
 * checkpoint at a signed later than one at b is an old head signed anew (or re-published) after the later
 * history existed: the register was rolled back to entry a, or a checkpoint of another register (another
 * genesis, same key) was put in this one's place. Reported at a, the newest such replay found. A device clock
 * set back produces the same picture, so the message says so.
 */
export function replayedCheckpoint(anchors: readonly Anchor[]): AnchorProblem | null {
  const signed = anchors.filter((a): a is Anchor & { signedAt: string } => a.source === 'checkpoint' && a.signedAt !== undefined).map((a) => ({ ...a, at: Date.parse(a.signedAt) }));
  signed.sort((a, b) => b.seq - a.seq);
  // Walking down from the highest seq: the earliest signature among strictly higher seqs seen so far.
  let earliestAbove: (typeof signed)[number] | null = null;
  let pending: (typeof signed)[number] | null = null;
  let found: { replay: (typeof signed)[number]; above: (typeof signed)[number] } | null = null;
  for (let i = 0; i < signed.length; i++) {
    const anchor = signed[i]!;
    if (earliestAbove && anchor.at > earliestAbove.at && (!found || anchor.at > found.replay.at)) found = { replay: anchor, above: earliestAbove };
    // Same-seq checkpoints (a key rotation signs the head again) are not "above" each other.
    if (!pending || pending.at > anchor.at) pending = anchor;
    const nextSeq = signed[i + 1]?.seq;
    if (nextSeq !== anchor.seq && pending) {
      if (!earliestAbove || pending.at < earliestAbove.at) earliestAbove = pending;
      pending = null;
    }
  }
  if (!found) return null;
  const { replay, above } = found;
  return {
    seq: replay.seq,
    kind: 'replayed',
    message: `checkpoint at entry ${replay.seq} (anchor line ${replay.line}) was signed at ${replay.signedAt}, after the device had signed entry ${above.seq} at ${above.signedAt} (line ${above.line}): the register was rolled back (to entry ${replay.seq} or before) and signed anew, an old checkpoint re-published, a checkpoint of another register was replayed, or the device clock was set back`,
  };
}

/**
 * An export held against the anchors: its entries as the chain sees them, from the hash before its first entry.
 * Entries after the export's last one up to the head the device reported when exporting are simply not in the
 * file; anchors beyond that head mean the register the export came from was shorter than what the central side
 * holds (rolled back or cut).
 */
export function checkExportAnchors(bundle: Pick<ExportBundle, 'header' | 'entries'>, anchors: readonly Anchor[], ignored: { line: number; reason: string }[] = []): AnchorReport {
  const entries = bundle.entries.map(chainedExportEntry);
  const { fromSeq, toSeq } = bundle.header.range;
  const start = { seq: fromSeq - 1, hash: fromSeq === 1 ? GENESIS_HASH : new Uint8Array(Buffer.from(bundle.header.previousHash, 'hex')) };
  const inScope = anchors.filter((a) => !(a.seq > toSeq && a.seq <= bundle.header.registerHeadSeq));
  return { ...checkAnchors(entries, inScope, ignored, start), anchors: anchors.length };
}

/** An export's entry line as the chain hashes it (format 1: the record text; format 2: the public part and blob digests). */
export function chainedExportEntry(e: ExportEntry): ChainedEntry {
  const hex = (h: string | null | undefined) => (h ? new Uint8Array(Buffer.from(h, 'hex')) : null);
  return {
    seq: e.seq,
    id: e.id,
    recordedAt: e.recordedAt,
    recordJson: (e.format === 2 ? e.publicJson : e.recordJson) ?? '',
    frameSha256: hex(e.frameSha256),
    format: e.format,
    kind: e.kind,
    sealedSha256: hex(e.sealedSha256),
  };
}

/** Refuses a file with no usable anchor: then nothing was checked, and saying "intact" would be a lie. */
export function assertUsableAnchors(anchors: readonly Anchor[], ignored: readonly { line: number; reason: string }[], file: string): void {
  if (anchors.length > 0) return;
  const why = ignored.length > 0 ? ` (line ${ignored[0]!.line}: ${ignored[0]!.reason})` : ' (the file is empty)';
  throw new XacminhError('INVALID_INPUT', `${file} holds no anchor signed by this device${why}: give the events and checkpoints the central side received, one per line`, { field: 'anchors', ignored: ignored.length });
}
