/**
 * The agent's trust store: the data dir's trust/ folder (CSCA certificates, master lists whose signer the
 * site pinned in site.json trust.masterListSigners, CRLs) plus the demo's anchors. Every problem of the
 * folder is logged at start, with what to do, so the operator sees it; none stops the terminal.
 */
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { SessionLogger } from '../session/session.ts';

export async function loadAgentTrust(folder: string, config: AgentConfig['trust'], anchors: readonly Uint8Array[], log: SessionLogger): Promise<TrustStore> {
  let trust: TrustStore;
  try {
    // The anchors go in before the folder's master lists and CRLs, which may rest on them.
    trust = await TrustStore.fromFolder(folder, { masterListSigners: config.masterListSigners, anchors: anchors.map((certificate) => ({ certificate, source: 'demo' })) });
  } catch (error) {
    if (isXacminhError(error) || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    trust = new TrustStore({ masterListSigners: config.masterListSigners });
    for (const anchor of anchors) trust.add(anchor, 'demo');
    if (trust.size === 0) log.warn({ folder }, 'no trust store folder: no card can be proven genuine until CSCA certificates are installed');
    return trust;
  }
  for (const problem of trust.problems) log.warn({ file: problem.file }, problem.message);
  return trust;
}
