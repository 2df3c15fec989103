/**
 * What the inspection page needs from the register, as the register contract names it (FORMAT.md and the
 * register API: search, read, countsByDecision, appendEntry, plus a signed export written to a file).
 * The server takes this object rather than the Register class, so it can be started against any register
 * that has these methods; registerPort() adapts the real one.
 */
import type { KeyObject } from 'node:crypto';
import { writeRegisterExport } from '../register/export.ts';
import type { Register } from '../register/register.ts';

export interface RegisterQuery {
  /** ISO instants, [from, to). */
  from?: string;
  to?: string;
  idNumber?: string;
  name?: string;
  decision?: string;
  kinds?: string[];
  /** ≤ 500, default 50. */
  limit?: number;
  offset?: number;
  order?: 'asc' | 'desc';
}

export interface EntryListItem {
  seq: number;
  id: string;
  kind: string;
  recordedAt: string;
  decision: string;
  fullName: string | null;
  idNumber: string | null;
  purged: boolean;
}

export interface RegisterEntry {
  seq: number;
  id: string;
  kind: string;
  format: 1 | 2;
  recordedAt: string;
  decision: string;
  public: unknown;
  sealed: unknown;
  sealedState: 'present' | 'purged' | 'locked' | 'none';
  frameJpeg: Uint8Array | null;
  hash: string;
}

export interface InspectionAction {
  inspector: string;
  action: 'login' | 'login-failed' | 'search' | 'view' | 'print' | 'export' | 'logout';
  seqs?: number[];
  range?: { from: string | null; to: string | null };
}

export interface InspectionRegister {
  search(query: RegisterQuery): { items: EntryListItem[]; total: number };
  read(seq: number): RegisterEntry | null;
  countsByDecision(range: { from?: string; to?: string; kinds?: string[] }): Record<string, number>;
  /** Records one inspection action (public part) with what was asked (sealed: it may be personal). */
  recordInspection(action: InspectionAction, query: unknown): void;
  /** Writes a signed export of the entries recorded in [from, to) to `path` (0600, atomic). */
  exportToFile(path: string, range: { from?: string; to?: string }): void;
}

/** The register methods of the contract (agent/register/register.ts once format 2 is in). */
export interface ContractRegister {
  search(query: RegisterQuery): { items: EntryListItem[]; total: number };
  read(seq: number): RegisterEntry | null;
  countsByDecision(range: { from?: string; to?: string; kinds?: string[] }): Record<string, number>;
  appendEntry(kind: 'inspection', publicPart: object, sealedPart?: object): unknown;
}

/** True when this register has the search/read/appendEntry methods the page needs (register format 2). */
export function hasInspectionMethods(register: object): register is ContractRegister {
  const r = register as Partial<Record<keyof ContractRegister, unknown>>;
  return typeof r.search === 'function' && typeof r.read === 'function' && typeof r.countsByDecision === 'function' && typeof r.appendEntry === 'function';
}

/** The real register as the page's port; the export is signed with the device key the register signs with. */
export function registerPort(register: Register & ContractRegister, signingKey: () => KeyObject): InspectionRegister {
  return {
    search: (query) => register.search(query),
    read: (seq) => register.read(seq),
    countsByDecision: (range) => register.countsByDecision(range),
    recordInspection: (action, query) => void register.appendEntry('inspection', action, { query }),
    exportToFile: (path, range) => void writeRegisterExport(path, register, { signingKey: signingKey(), ...range }),
  };
}
