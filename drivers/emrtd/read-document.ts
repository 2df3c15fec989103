/**
 * readDocument: one full read of an eMRTD / CCCD chip through any ApduTransport — access control, then
 * EF.COM, then the data groups it lists — returning typed data groups plus the raw bytes of every file.
 */
import type { ApduTransport } from '../apdu.ts';
import type { XacminhError} from '../errors.ts';
import { isXacminhError } from '../errors.ts';
import { establishAccess, type AccessProtocol, type PaceOffer } from './access.ts';
import type { AccessKey } from './access-key.ts';
import { CardSession, type WireStats } from './card-session.ts';
import { initialStrategy, readFile, ReadShapeRejected, selectFile, SfiRefused } from './file-reader.ts';
import { fileByDg, fileByName, type LdsFile } from './files.ts';
import { parseDocumentFiles, type ParsedFiles } from './parse-files.ts';
import { performActiveAuthentication, type ActiveAuthResult } from './authenticity/active.ts';
import { chooseChipAuthentication, performChipAuthentication, type ChipAuthResult } from './authenticity/chip.ts';
import { parseCardAccess } from './lds/card-access.ts';
import { parseDg14 } from './lds/dg14.ts';
import type { SecurityInfo } from './lds/security-infos.ts';

export interface ReadProgress {
  phase: 'card-access' | 'access-control' | 'reading' | 'done';
  file?: string;
  fileBytesRead?: number;
  fileLength?: number;
  filesDone: number;
  filesTotal: number;
}

export interface ReadOptions {
  /** Data groups to read; default every one EF.COM lists except DG3/DG4 (biometrics behind EAC). */
  dataGroups?: number[];
  onProgress?: (progress: ReadProgress) => void;
  signal?: AbortSignal;
  /** Allow extended-length APDUs; default: what the transport says it supports. */
  extendedLength?: boolean;
  /** Cap the plain bytes per READ BINARY (e.g. 223 for a reader known to be picky). */
  maxReadSize?: number;
  /** Run Active Authentication when the card has DG15 (default true). */
  activeAuthentication?: boolean;
  /** Run Chip Authentication when DG14 offers a CA key (default true). */
  chipAuthentication?: boolean;
}

export interface UnreadFile {
  file: string;
  code: string;
  reason: string;
}

export interface ChipDocument extends ParsedFiles {
  accessProtocol: AccessProtocol;
  /** Raw bytes of every file read, by name (EF.CardAccess, EF.COM, DG1…, EF.SOD): kept for authenticity checks. */
  files: Map<string, Uint8Array>;
  /** Files listed or asked for that the card refused or that did not parse. */
  unread: UnreadFile[];
  stats: WireStats & { readSize: number; useSfi: boolean; durationMs: number };
  /** Outcome of Active Authentication, when the card has DG15 and it was asked for. */
  activeAuthentication?: ActiveAuthResult;
  /** Outcome of Chip Authentication, when DG14 offers a CA key and it was asked for. */
  chipAuthentication?: ChipAuthResult;
  /** Time spent in AA and CA (part of stats.durationMs), to tell authentication cost from read cost. */
  authenticationMs: number;
}

/** Biometric data groups the chip protects with Extended Access Control, which a terminal without EAC keys cannot read. */
const PLAIN_SHORT_READ_SIZE = 256;
const EAC_PROTECTED = new Set([3, 4]);
const SW_FILE_NOT_FOUND = 0x6a82;

export async function readDocument(transport: ApduTransport, key: AccessKey, options: ReadOptions = {}): Promise<ChipDocument> {
  const started = performance.now();
  const session = new CardSession(transport, options.signal);
  const files = new Map<string, Uint8Array>();
  const unread: UnreadFile[] = [];
  const progress = options.onProgress ?? (() => {});

  progress({ phase: 'card-access', filesDone: 0, filesTotal: 0 });
  const cardAccess = await readCardAccess(session);
  if (cardAccess) files.set('EF.CardAccess', cardAccess.raw);
  const offers = cardAccess?.offers ?? [];

  progress({ phase: 'access-control', filesDone: 0, filesTotal: 0 });
  const accessProtocol = await establishAccess(session, key, offers);
  let strategy = initialStrategy({
    extendedLength: options.extendedLength ?? transport.supportsExtendedLength ?? false,
    ...(options.maxReadSize !== undefined ? { maxReadSize: options.maxReadSize } : {}),
  });

  let chipAuthentication: ChipAuthResult | undefined;
  let authenticationMs = 0;
  // After an error the chip may have dropped secure messaging: go back to the MF and run access control again.
  const openAccess = async (): Promise<void> => {
    session.installSecureChannel(undefined);
    await selectFile(session, fileByName('EF.CardAccess').fid).catch(() => undefined);
    await establishAccess(session, key, offers);
  };
  // Once CA has passed, a re-opened channel runs CA again: every file after DG14 must still come under keys only
  // the genuine chip has (9303-11 §6.2), not under the BAC/PACE keys a clone also knows.
  const reopen = async (): Promise<void> => {
    await openAccess();
    if (!chipAuthentication?.ok) return;
    const started = performance.now();
    const again = await authenticateChip(session, files.get('DG14')!, openAccess);
    authenticationMs += performance.now() - started;
    if (again?.ok) return;
    const reason = `Chip Authentication passed, then failed when run again on a re-opened channel (after a refused or absent file, or a smaller read size): ${again?.reason ?? 'no CA offer'}`;
    chipAuthentication = { ...chipAuthentication, ...again, ok: false, reason };
  };

  // Reads one file, stepping down the read shape (and re-opening the chip) when the card refuses it.
  const read = async (file: LdsFile, filesDone: number, filesTotal: number): Promise<Uint8Array> => {
    let probingSfi = false;
    for (;;) {
      try {
        return await readFile(session, file, strategy, (p) =>
          progress({ phase: 'reading', file: p.file, fileBytesRead: p.bytesRead, fileLength: p.fileLength ?? 0, filesDone, filesTotal }),
        );
      } catch (error) {
        // 6A82 to the SFI read and to the SELECT: the file is absent, and SFI may well work for the others.
        if (probingSfi && isXacminhError(error, 'FILE_NOT_FOUND')) strategy = { ...strategy, useSfi: true };
        if (!(error instanceof ReadShapeRejected)) throw error;
        probingSfi = error instanceof SfiRefused && error.sw === SW_FILE_NOT_FOUND;
        strategy = error.next;
        await reopen();
      }
    }
  };

  const com = await read(fileByName('EF.COM'), 0, 1);
  files.set('EF.COM', com);
  const wanted = chooseFiles(com, options.dataGroups);
  for (const [index, file] of wanted.entries()) {
    try {
      files.set(file.name, await read(file, index, wanted.length));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      unread.push({ file: file.name, code: error.code, reason: error.message });
      // A refused command may have ended secure messaging on the chip: open it again for the next file.
      await reopen();
      continue;
    }
    // CA right after DG14 (9303-11 §6.2): every file read after it comes under keys only the genuine chip has.
    if (file.name === 'DG14' && options.chipAuthentication !== false) {
      const started = performance.now();
      chipAuthentication = await authenticateChip(session, files.get('DG14')!, reopen);
      authenticationMs += performance.now() - started;
    }
  }
  const parsed = parseDocumentFiles(files, unread);
  let activeAuthentication: ActiveAuthResult | undefined;
  if (parsed.dg15 && options.activeAuthentication !== false) {
    const started = performance.now();
    activeAuthentication = await authenticateActively(session, parsed.dg15.publicKeyInfo, parsed.dg14);
    authenticationMs += performance.now() - started;
  }
  progress({ phase: 'done', filesDone: wanted.length, filesTotal: wanted.length });
  return {
    ...parsed,
    ...(activeAuthentication ? { activeAuthentication } : {}),
    ...(chipAuthentication ? { chipAuthentication } : {}),
    authenticationMs,
    accessProtocol,
    files,
    unread,
    stats: { ...session.stats, readSize: strategy.readSize, useSfi: strategy.useSfi, durationMs: performance.now() - started },
  };
}

async function readCardAccess(session: CardSession): Promise<{ raw: Uint8Array; offers: PaceOffer[] } | undefined> {
  // Selecting the MF answers 6D00 on CCCDs; selecting EF.CardAccess by its FID works (see notes).
  const file = fileByName('EF.CardAccess');
  try {
    // Plain (no secure messaging yet), so a short APDU carries the full 256 bytes: EF.CardAccess fits in one.
    const raw = await readFile(session, file, { readSize: PLAIN_SHORT_READ_SIZE, useSfi: false });
    const offers = parseCardAccess(raw).flatMap((info) =>
      info.type === 'PACEInfo' && info.parameterId !== undefined ? [{ protocolOid: info.oid, parameterId: info.parameterId }] : [],
    );
    return { raw, offers };
  } catch (error) {
    // No EF.CardAccess (6A82) or an unreadable one: the chip offers BAC only.
    if (isXacminhError(error) && ['FILE_NOT_FOUND', 'SECURITY_NOT_SATISFIED', 'CARD_ERROR', 'MALFORMED_DATA'].includes(error.code)) return undefined;
    throw error;
  }
}

async function authenticateActively(session: CardSession, publicKeyInfo: Uint8Array, dg14: ParsedFiles['dg14']): Promise<ActiveAuthResult> {
  try {
    return await performActiveAuthentication(session, publicKeyInfo, dg14 ? { dg14 } : {});
  } catch (error) {
    if (!isXacminhError(error) || error.code === 'CARD_REMOVED' || error.code === 'CANCELLED') throw error;
    return { ok: false, algorithm: 'RSA-ISO9796-2', reason: `Active Authentication could not run: ${error.message}` };
  }
}

/**
 * Chip Authentication with DG14's key. A failed CA leaves the chip without secure messaging, so access
 * control runs again and the read goes on: the failure is the verdict's business, not the read's.
 */
async function authenticateChip(session: CardSession, dg14Bytes: Uint8Array, reopen: () => Promise<void>): Promise<ChipAuthResult | undefined> {
  let infos: SecurityInfo[];
  try {
    infos = parseDg14(dg14Bytes);
  } catch {
    return undefined; // An unparseable DG14 is reported by parseDocumentFiles and by Passive Authentication.
  }
  const offer = chooseChipAuthentication(infos);
  if (!offer) return undefined;
  try {
    const result = await performChipAuthentication(session, infos);
    if (!result.ok) await reopen();
    return result;
  } catch (error) {
    // A DG14 key we cannot use is the card's failing; a broken channel or a lifted card is the read's.
    if (!isXacminhError(error, 'UNSUPPORTED') && !isXacminhError(error, 'MALFORMED_DATA')) throw error;
    await reopen();
    return { ok: false, protocolOid: offer.protocolOid, reason: `Chip Authentication could not run: ${error.message}` };
  }
}

function chooseFiles(com: Uint8Array, requested: number[] | undefined): LdsFile[] {
  const listed = parseComDataGroups(com);
  const dataGroups = requested ?? listed.filter((dg) => !EAC_PROTECTED.has(dg));
  // DG14 first, so Chip Authentication protects the reads of the others.
  const ordered = [...dataGroups.filter((dg) => dg === 14), ...dataGroups.filter((dg) => dg !== 14)];
  const out = ordered.map((dg) => fileByDg(dg));
  out.push(fileByName('EF.SOD'));
  return out;
}

function parseComDataGroups(com: Uint8Array): number[] {
  return parseDocumentFiles(new Map([['EF.COM', com]]), []).com?.dataGroups ?? [];
}

function isRefusal(error: unknown): error is XacminhError {
  return isXacminhError(error) && (error.code === 'SECURITY_NOT_SATISFIED' || error.code === 'FILE_NOT_FOUND');
}
