/**
 * Site settings written from a flow (the xacminh site node): only the fields in SITE_WRITABLE, validated by
 * the site config's own schema, saved to the site file when there is one, and returned for the agent to
 * apply live. The privacy setting is not among them: a flow cannot widen what personal data it receives.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { parseConfig } from '../config/load.ts';
import { nodeRedSchema, type AgentConfig } from '../config/schema.ts';
import { SITE_WRITABLE } from './node-red-protocol.ts';

export function applySiteChanges(current: AgentConfig, changes: Record<string, unknown>, configPath?: string): AgentConfig {
  for (const key of Object.keys(changes)) {
    if (!(SITE_WRITABLE as readonly string[]).includes(key)) {
      throw new XacminhError('INVALID_INPUT', `nodeRed.${key}: không đổi được từ luồng Node-RED (chỉ đổi được ${SITE_WRITABLE.join(', ')}) — cannot be changed from a flow`, { field: `nodeRed.${key}` });
    }
  }
  const parsed = nodeRedSchema.safeParse({ ...current.nodeRed, ...changes });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = `nodeRed.${issue.path.join('.')}`;
    throw new XacminhError('CONFIG_INVALID', `${field}: giá trị không hợp lệ (${issue.message}) — invalid value, nothing was changed`, { field });
  }
  const next: AgentConfig = { ...current, nodeRed: parsed.data };
  if (configPath) {
    const raw = JSON.parse(readFileSync(configPath, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
    const nodeRed = typeof raw.nodeRed === 'object' && raw.nodeRed !== null ? (raw.nodeRed as Record<string, unknown>) : {};
    raw.nodeRed = { ...nodeRed, ...changes };
    // The whole file again, as the next start will read it: a change that makes the file unloadable is refused.
    parseConfig(raw, configPath);
    writeFileAtomicSync(configPath, `${JSON.stringify(raw, null, 2)}\n`, 0o600);
  }
  return next;
}
