/**
 * The devices as the running agent lends them to the MQTT self-test: never opened a second time. The
 * reader is judged from the agent's card port and a listing of readers (no connection to a card); the
 * scanner from its part; the camera is read only while no verification is running (the session owns it
 * then); lights, button, scans and cards need a person, so they skip.
 */
import type { Frame, FrameSource } from '../drivers/camera/types.ts';
import type { PartStatus } from '../agent/run/orchestrator.ts';
import { XacminhError } from '../drivers/errors.ts';
import { PcscContext } from '../drivers/pcsc/context.ts';
import { findFaces } from './cli-devices.ts';
import { configuredFps, type Absent, type BrokerProbe, type CameraLease, type DeviceProvider, type FaceFinder, type IndicatorTester, type PcscView, type ScannerLease } from './types.ts';
import type { AgentConfig } from '../agent/config/schema.ts';

/** The parts of the running agent the self-test reads. */
export interface LiveAgent {
  config: AgentConfig;
  partStatus(name: string): PartStatus | undefined;
  /** The card port's last fault (pcscd gone, reader unplugged), null once it is ready again. */
  readerFault(): XacminhError | null;
  camera: FrameSource | null;
  /** The face engine the face step loaded (null: not loaded). */
  faceEngine: { analyzeFrame(frame: Frame): Promise<{ faces: { detectionScore: number }[] }> } | null;
  /** True while a customer is being verified. */
  busy(): boolean;
  publisherConnected(): boolean;
  brokerUrl: string;
}

const IN_AGENT = { en: 'needs a person at the terminal: run xacminh self-test --interactive there', vi: 'cần người tại máy: chạy xacminh self-test --interactive tại máy' };

export class AgentDevices implements DeviceProvider {
  readonly via = 'agent' as const;

  constructor(private readonly agent: LiveAgent) {}

  pcsc(): PcscView | Absent {
    if (this.agent.config.reader.kind !== 'pcsc') return { absent: { en: 'the card reader is simulated in the site config', vi: 'đầu đọc thẻ đang là mô phỏng trong cấu hình' } };
    const part = this.agent.partStatus('card reader');
    return {
      // The agent's card port holds the PC/SC context; its part state says whether pcscd and the reader answer.
      readers: async () => {
        if (part?.state !== 'running') throw new XacminhError('PCSC_UNAVAILABLE', `the agent's card reader part is ${part?.state ?? 'not started'}${part?.error ? `: ${part.error.message}` : ''}`, {});
        const fault = this.agent.readerFault();
        if (fault) throw fault;
        // A short second PC/SC context only lists readers and their ATRs (as pcsc_scan does beside any
        // application); it never connects to the card the agent's session may be using.
        const context = await PcscContext.open();
        try {
          return context.readers();
        } finally {
          context.close();
        }
      },
      card: async () => null,
    };
  }

  async camera(): Promise<CameraLease | Absent> {
    const camera = this.agent.camera;
    if (!this.agent.config.face.enabled || !camera) return { absent: { en: 'the agent runs without a camera (face.enabled false or the camera did not start)', vi: 'agent chạy không có camera' } };
    if (this.agent.config.camera.kind === 'simulated') return { absent: { en: 'the camera is simulated in the site config: no hardware to test', vi: 'camera đang là mô phỏng trong cấu hình: không có phần cứng để kiểm tra' } };
    if (this.agent.busy()) return { absent: { en: 'a verification is running: the camera is the session\'s; run the self-test again when idle', vi: 'đang xác minh khách: thử lại khi máy rảnh' } };
    return { frames: { [Symbol.asyncIterator]: () => camera[Symbol.asyncIterator]() }, configuredFps: configuredFps(this.agent.config.camera), release: async () => {} };
  }

  async face(): Promise<FaceFinder | Absent> {
    const engine = this.agent.faceEngine;
    if (!engine) return { absent: { en: 'the agent has no face engine loaded', vi: 'agent chưa tải mô hình khuôn mặt' } };
    return { find: (frame) => findFaces(engine, frame) };
  }

  async indicators(): Promise<IndicatorTester | Absent> {
    return { absent: IN_AGENT };
  }

  async scanner(): Promise<ScannerLease | Absent> {
    if (!this.agent.config.scanner) return { absent: { en: 'no scanner in site.json', vi: 'site.json không khai báo máy quét' } };
    const part = this.agent.partStatus('QR scanner');
    if (part?.state === 'failed') throw new XacminhError('SERIAL_UNAVAILABLE', part.error?.message ?? 'the scanner did not start', {});
    return { absent: IN_AGENT };
  }

  broker(): BrokerProbe | Absent {
    if (this.agent.config.mqtt.kind === 'embedded') return { absent: { en: 'the site config uses the embedded broker (demo): no broker to reach', vi: 'cấu hình dùng máy chủ MQTT nội bộ (demo): không có máy chủ để kiểm tra' } };
    return {
      probe: async () => {
        if (!this.agent.publisherConnected()) throw new XacminhError('BROKER_UNAVAILABLE', `the agent is not connected to ${this.agent.brokerUrl || 'its broker'}`, {});
        // The command itself arrived over this connection and its reply leaves by it: it is live.
        return { url: this.agent.brokerUrl, connected: true };
      },
    };
  }

  async close(): Promise<void> {}
}
