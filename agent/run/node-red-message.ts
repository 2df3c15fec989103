/**
 * What the flows may see, built in the agent before anything crosses to the Node-RED process: a
 * verification without photos or face embeddings, personal data only as the site's privacy setting allows,
 * and the terminal's status.
 */
import type { AgentConfig } from '../config/schema.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { TerminalAlarm } from './alarms.ts';
import type { PartStatus } from './orchestrator.ts';
import type { DeviceFault, FlowSiteSettings, FlowStatus, FlowVerification } from './node-red-protocol.ts';

export type FlowPrivacy = AgentConfig['nodeRed']['privacy'];

/** All but the last four characters hidden: enough for a clerk to tell two customers apart, not to find one. */
export function maskIdNumber(idNumber: string): string {
  const keep = Math.min(4, Math.max(0, idNumber.length - 4));
  return `${'*'.repeat(idNumber.length - keep)}${idNumber.slice(idNumber.length - keep)}`;
}

export function flowVerification(record: VerificationRecord, privacy: FlowPrivacy): FlowVerification {
  const chip = record.chip;
  const message: FlowVerification = {
    id: record.id,
    siteId: record.siteId,
    deviceId: record.deviceId,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    decision: record.decision,
    reasons: record.reasons.map((r) => ({ code: r.code, messageVi: r.messageVi })),
    chip: chip ? { verdict: chip.verdict, passive: chip.passive, active: chip.active, chip: chip.chip, accessProtocol: chip.accessProtocol } : null,
    // AA or CA answered with another key than the chip's own: the data was copied onto another chip.
    cloneSuspected: chip !== null && (chip.active === 'failed' || chip.chip === 'failed'),
    face: record.face ? { decision: record.face.decision, similarity: record.face.similarity, threshold: record.face.threshold, liveness: record.face.liveness?.decision ?? null } : null,
    timings: record.steps.map((s) => ({ step: s.step, ms: s.ms, outcome: s.outcome })),
    operatorReference: record.operatorReference,
  };
  if (privacy !== 'none' && record.identity) {
    message.person = { idNumberMasked: maskIdNumber(record.identity.idNumber), ...(privacy === 'masked-id-and-name' ? { fullName: record.identity.fullName } : {}) };
  }
  return message;
}

export function flowSite(config: AgentConfig): FlowSiteSettings {
  const n = config.nodeRed;
  return { siteId: config.siteId, deviceId: config.deviceId, timeZone: config.timeZone, privacy: n.privacy, webhookUrl: n.webhookUrl, openingTime: n.openingTime, closingTime: n.closingTime };
}

export interface LinkState {
  reader: FlowStatus['reader'];
  broker: FlowStatus['broker'];
  faults: DeviceFault[];
  selfTest?: FlowStatus['selfTest'];
}

export function flowStatus(parts: Iterable<PartStatus>, alarms: TerminalAlarm[], outboxBacklog: number, links: LinkState, now = new Date()): FlowStatus {
  const list = [...parts].filter((p) => p.name !== 'node-red').map((p) => ({ name: p.name, state: p.state, ...(p.error ? { message: p.error.message } : {}) }));
  return {
    state: list.some((p) => p.state === 'failed') || links.reader === 'lost' ? 'degraded' : 'running',
    parts: list,
    alarms: alarms.map((a) => ({ code: a.code, message: a.message, messageVi: a.messageVi })),
    outboxBacklog,
    reader: links.reader,
    broker: links.broker,
    faults: links.faults.slice(-5),
    selfTest: links.selfTest ?? null,
    at: now.toISOString(),
  };
}
