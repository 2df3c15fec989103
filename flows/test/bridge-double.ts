// A stand-in for the agent's bridge (RED.settings.xacminh) for the node tests: it records what the nodes
// ask and answers the way the agent does. The real bridge is exercised in agent/run/node-red.test.ts.
import { EventEmitter } from 'node:events';
import type { FlowSiteSettings, FlowStatus, FlowVerification } from '../../agent/run/node-red-protocol.ts';

export class BridgeDouble extends EventEmitter {
  readonly connected = true;
  indicated: unknown[] = [];
  notices: unknown[] = [];
  siteWrites: Record<string, unknown>[] = [];
  refuseIndicate: Error | undefined;
  clock = new Date('2026-03-02T03:00:00Z');
  siteNow: FlowSiteSettings = { siteId: 'test-site', deviceId: 'test-terminal', timeZone: 'Asia/Ho_Chi_Minh', privacy: 'none', webhookUrl: null, openingTime: '08:00', closingTime: '21:00' };
  statusNow: FlowStatus = { state: 'running', parts: [{ name: 'register', state: 'running' }], alarms: [], outboxBacklog: 0, reader: 'ok', broker: 'connected', faults: [], selfTest: null, at: '2026-03-02T03:00:00.000Z' };

  site(): FlowSiteSettings {
    return this.siteNow;
  }
  status(): FlowStatus {
    return this.statusNow;
  }
  now(): Date {
    return this.clock;
  }
  webhookSecret(): string {
    return 'test-webhook-secret';
  }
  async indicate(command: unknown): Promise<void> {
    if (this.refuseIndicate) throw this.refuseIndicate;
    this.indicated.push(command);
  }
  async kiosk(notice: unknown): Promise<void> {
    this.notices.push(notice);
  }
  async setSite(changes: Record<string, unknown>): Promise<FlowSiteSettings> {
    this.siteWrites.push(changes);
    for (const [field, value] of Object.entries(changes)) {
      if (field.endsWith('Time') && !/^([01]\d|2[0-3]):[0-5]\d$/.test(String(value))) throw Object.assign(new Error(`nodeRed.${field}: invalid`), { field: `nodeRed.${field}` });
    }
    this.siteNow = { ...this.siteNow, ...changes };
    return this.siteNow;
  }
  pushStatus(status: FlowStatus): void {
    this.statusNow = status;
    this.emit('status', status);
  }
}

export function sampleVerification(over: Partial<FlowVerification> = {}): FlowVerification {
  return {
    id: '01JTESTVERIFICATION0000000A',
    siteId: 'test-site',
    deviceId: 'test-terminal',
    startedAt: '2026-03-02T03:00:00.000Z',
    finishedAt: '2026-03-02T03:00:04.000Z',
    decision: 'verified',
    reasons: [],
    chip: { verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'passed', accessProtocol: 'PACE' },
    cloneSuspected: false,
    face: null,
    timings: [],
    operatorReference: null,
    ...over,
  };
}
