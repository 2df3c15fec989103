/**
 * The devices as `xacminh self-test` sees them: it opens each one itself from the site config (the agent is
 * not running while a technician tests). Everything opened is closed by close().
 */
import type { EventEmitter } from 'node:events';
import type { Frame } from '../drivers/camera/types.ts';
import { PcscContext } from '../drivers/pcsc/context.ts';
import { GpioIndicators, type GpioFactory, type GpioLike, type Output } from '../drivers/indicators/index.ts';
import { createRequire } from 'node:module';
import type { Gpio as OnoffGpio } from 'onoff';
import { SerialScanner, type AccessKeyEvent, type RejectedEvent, type SerialScannerOptions } from '../drivers/scanner/index.ts';
import { openCamera } from '../agent/run/camera.ts';
import type { AgentConfig } from '../agent/config/schema.ts';
import type { DataDirPaths } from '../agent/datadir.ts';
import { BrokerConnection } from './publish.ts';
import { configuredFps, type Absent, type BrokerProbe, type CameraLease, type DeviceProvider, type FaceFinder, type IndicatorTester, type PcscView, type ScannerLease } from './types.ts';

export interface CliDeviceOptions {
  /** GPIO pins through this factory (tests: a recording double); onoff by default. */
  gpioFactory?: GpioFactory;
  /** Serial binding for the scanner (tests may use a mock); the native one by default. */
  scannerBinding?: SerialScannerOptions['binding'];
}

const require = createRequire(import.meta.url);
// onoff (with its native epoll module) only when a board is really driven, as drivers/indicators/gpio.ts does.
const defaultFactory: GpioFactory = (pin, direction, edge, options) => {
  const { Gpio } = require('onoff') as { Gpio: typeof OnoffGpio };
  return new Gpio(pin, direction, edge, options);
};

const SIMULATED = (what: string, vi: string): Absent => ({ absent: { en: `${what} is simulated in the site config: no hardware to test`, vi: `${vi} đang là mô phỏng trong cấu hình: không có phần cứng để kiểm tra` } });

export class CliDevices implements DeviceProvider {
  readonly via = 'cli' as const;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private indicatorTester: IndicatorTester | undefined;
  private brokerConnection: BrokerConnection | Absent | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly paths: DataDirPaths,
    private readonly options: CliDeviceOptions = {},
  ) {}

  pcsc(): PcscView | Absent {
    if (this.config.reader.kind !== 'pcsc') return SIMULATED('The card reader', 'Đầu đọc thẻ');
    return {
      readers: async () => {
        const context = await PcscContext.open();
        try {
          return context.readers();
        } finally {
          context.close();
        }
      },
      card: async (filter, waitMs, signal) => {
        const context = await PcscContext.open();
        try {
          const reader = await context.waitForReader(filter, { timeoutMs: Math.min(waitMs, 5000), signal });
          const { reader: withCard } = await context.waitForCard(reader, { timeoutMs: waitMs, signal });
          const transport = await context.connect(withCard);
          return {
            transport,
            readerName: withCard,
            release: async () => {
              await transport.disconnect().catch(() => undefined);
              context.close();
            },
          };
        } catch (error) {
          context.close();
          if ((error as { code?: string }).code === 'TIMEOUT' || (error as { code?: string }).code === 'NO_CARD') return null;
          throw error;
        }
      },
    };
  }

  async camera(): Promise<CameraLease | Absent> {
    const camera = this.config.camera;
    if (!this.config.face.enabled) return { absent: { en: 'face.enabled is false: this terminal has no camera', vi: 'face.enabled là false: máy không có camera' } };
    if (camera.kind === 'simulated') return SIMULATED('The camera', 'Camera');
    const source = await openCamera(camera);
    const faults: Error[] = [];
    source.on('fault', (error) => faults.push(error));
    await source.start();
    return { frames: source, configuredFps: configuredFps(camera), lastFault: () => faults.at(-1), release: () => source.stop() };
  }

  async face(): Promise<FaceFinder | Absent> {
    // Loaded on demand: TensorFlow.js is heavy and only this check needs it.
    const { FaceEngine } = await import('../models/engine.ts');
    const engine = await FaceEngine.load();
    this.closers.push(() => engine.close());
    return { find: (frame: Frame) => findFaces(engine, frame) };
  }

  async indicators(): Promise<IndicatorTester | Absent> {
    if (this.indicatorTester) return this.indicatorTester;
    const { pins, activeLow } = this.config.indicators;
    if (Object.keys(pins).length === 0) return { absent: { en: 'no indicator pins in site.json (indicators.pins)', vi: 'site.json chưa khai báo chân đèn/còi/rơ-le (indicators.pins)' } };
    const board = new TestGpio({ pins, activeLow }, this.options.gpioFactory);
    this.closers.push(() => board.close());
    this.indicatorTester = board.tester(pins.button !== undefined);
    return this.indicatorTester;
  }

  async scanner(): Promise<ScannerLease | Absent> {
    const config = this.config.scanner;
    if (!config) return { absent: { en: 'no scanner in site.json', vi: 'site.json không khai báo máy quét' } };
    const scanner = new SerialScanner({ path: config.path, baudRate: config.baudRate, framing: config.framing, ...(this.options.scannerBinding ? { binding: this.options.scannerBinding } : {}) });
    const faults: Error[] = [];
    scanner.on('fault', (event: { error: Error }) => faults.push(event.error));
    await scanner.start();
    this.closers.push(() => scanner.stop());
    if (!scanner.isOpen) throw faults[0] ?? new Error(`${config.path} did not open`);
    return { next: (timeoutMs, signal) => nextScan(scanner, timeoutMs, signal) };
  }

  broker(): BrokerProbe | Absent {
    this.brokerConnection ??= BrokerConnection.forConfig(this.config, this.paths);
    return this.brokerConnection;
  }

  /** The connection the broker check opened, reused to publish the report (null: embedded/demo). */
  get brokerForReport(): BrokerConnection | null {
    try {
      const broker = this.broker();
      return broker instanceof BrokerConnection ? broker : null;
    } catch {
      // A broker file that cannot be read was already reported by the broker check.
      return null;
    }
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
    if (this.brokerConnection instanceof BrokerConnection) await this.brokerConnection.close();
  }
}

/** GpioIndicators with single outputs driven directly: the patterns would light several at once. */
class TestGpio extends GpioIndicators {
  private readonly pinsOf: Map<number, GpioLike>;

  constructor(
    private readonly config: { pins: AgentConfig['indicators']['pins']; activeLow: boolean },
    factory: GpioFactory = defaultFactory,
  ) {
    // The pins the board opens are kept, so each output can be read back after it is written.
    const opened = new Map<number, GpioLike>();
    super(config, () => undefined, (pin, direction, edge, options) => {
      const gpio = factory(pin, direction, edge, options);
      opened.set(pin, gpio);
      return gpio;
    });
    this.pinsOf = opened;
  }

  tester(hasButton: boolean): IndicatorTester {
    const outputs = (['green', 'red', 'busy', 'buzzer', 'relay'] as const).filter((o) => this.has(o));
    return {
      outputs,
      hasButton,
      set: (output: Output, on: boolean) => {
        this.write(output, on);
        // onoff's readSync on an output returns the level last written, active-low applied as on write.
        const pin = this.config.pins[output];
        const gpio = pin === undefined ? undefined : this.pinsOf.get(pin);
        return gpio ? gpio.readSync() === (on ? 1 : 0) : null;
      },
      waitPress: (timeoutMs, signal) => waitForPress(this, timeoutMs, signal),
    };
  }
}

function waitForPress(board: EventEmitter, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (pressed: boolean) => {
      clearTimeout(timer);
      board.off('press', onPress);
      signal.removeEventListener('abort', onAbort);
      resolve(pressed);
    };
    const onPress = () => done(true);
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    board.on('press', onPress);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function nextScan(scanner: SerialScanner, timeoutMs: number, signal: AbortSignal): ReturnType<ScannerLease['next']> {
  return new Promise((resolve) => {
    const done = (value: Awaited<ReturnType<ScannerLease['next']>>) => {
      clearTimeout(timer);
      scanner.off('accessKey', onKey);
      scanner.off('rejected', onRejected);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onKey = (event: AccessKeyEvent) => done({ kind: 'access-key', key: event.key });
    // A code the terminal does not use still proves the scanner reads.
    const onRejected = (_event: RejectedEvent) => done({ kind: 'unrecognised' });
    const onAbort = () => done(null);
    const timer = setTimeout(() => done(null), timeoutMs);
    scanner.on('accessKey', onKey);
    scanner.on('rejected', onRejected);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function findFaces(engine: { analyzeFrame(frame: Frame): Promise<{ faces: { detectionScore: number }[] }> }, frame: Frame): Promise<{ count: number; bestScore: number }> {
  const { faces } = await engine.analyzeFrame(frame);
  return { count: faces.length, bestScore: Math.max(0, ...faces.map((f) => f.detectionScore)) };
}
