/**
 * What the inspection page needs from the register (FORMAT.md and the register API: search, read,
 * countsByDecision, an inspection entry per action, and a signed export written to a file). The server
 * takes this narrow object rather than the Register class; registerPort() adapts the real one.
 */
import type { KeyObject } from 'node:crypto';
import { writeRegisterExport } from '../register/export.ts';
import type { EntryListItem, Register, RegisterQuery } from '../register/register.ts';
import type { RegisterEntry } from '../register/register-rows.ts';

export type { EntryListItem, RegisterEntry, RegisterQuery };

/** The public part of an inspection entry (FORMAT.md, kind `inspection`). */
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
  /** Writes a signed export of the entries recorded in [from, to) to `path` (0600, atomic); `frames`: with the sealed frames. */
  exportToFile(path: string, range: { from?: string; to?: string }, options?: { frames?: boolean }): void;
}

/** The real register as the page's port; the export is signed with the device key the register signs with. */
export function registerPort(register: Register, signingKey: () => KeyObject): InspectionRegister {
  return {
    search: (query) => register.search(query),
    read: (seq) => register.read(seq),
    countsByDecision: (range) => register.countsByDecision(range),
    recordInspection: (action, query) => void register.appendEntry('inspection', action, { query }),
    exportToFile: (path, range, options) => void writeRegisterExport(path, register, { signingKey: signingKey(), ...range, frames: options?.frames === true }),
  };
}
