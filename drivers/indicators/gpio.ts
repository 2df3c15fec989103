/**
 * Indicators on the host's own GPIO through onoff (Raspberry Pi and similar). Pin numbers are the kernel's
 * GPIO numbers from the site config. The Gpio class is injectable because /sys/class/gpio is absent on a PC.
 */
import { createRequire } from 'node:module';
import type { BinaryValue, Direction, Edge, Gpio, Options as GpioOptions } from 'onoff';
import { XacminhError } from '../errors.ts';
import { PatternIndicators, type IndicatorLog } from './indicators.ts';
import type { Output } from './patterns.ts';

export interface GpioPins {
  green?: number;
  red?: number;
  busy?: number;
  buzzer?: number;
  relay?: number;
  button?: number;
}

export interface GpioIndicatorsConfig {
  pins: GpioPins;
  /** Pulse the door/drawer relay this long on 'verified'; absent = the relay is never pulsed. */
  relayPulseMs?: number;
  /** Outputs drive their load when the pin is low (sinking LEDs, most relay boards). */
  activeLow?: boolean;
  /** The button pulls the pin low when pressed (the usual wiring with a pull-up); default true. */
  buttonActiveLow?: boolean;
  buttonDebounceMs?: number;
}

/** The part of onoff's Gpio this module uses. */
export interface GpioLike {
  writeSync(value: BinaryValue): void;
  readSync(): BinaryValue;
  watch(callback: (error: Error | null | undefined, value: BinaryValue) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export type GpioFactory = (pin: number, direction: Direction, edge?: Edge, options?: GpioOptions) => GpioLike;

const require = createRequire(import.meta.url);
// Loaded on demand: onoff's native epoll module is only needed on a board with GPIO.
const loadOnoff = (): { Gpio: typeof Gpio } => require('onoff') as { Gpio: typeof Gpio };

export function onoffAccessible(): boolean {
  try {
    return loadOnoff().Gpio.accessible;
  } catch {
    return false;
  }
}

const onoffFactory: GpioFactory = (pin, direction, edge, options) => {
  const { Gpio: OnoffGpio } = loadOnoff();
  return new OnoffGpio(pin, direction, edge, options);
};

export class GpioIndicators extends PatternIndicators {
  private readonly outputs = new Map<Output, GpioLike>();
  private button: GpioLike | undefined;

  constructor(
    config: GpioIndicatorsConfig,
    private readonly log: IndicatorLog = () => undefined,
    factory: GpioFactory = onoffFactory,
  ) {
    super({ relayPulseMs: config.relayPulseMs });
    const made: GpioLike[] = [];
    try {
      for (const output of ['green', 'red', 'busy', 'buzzer', 'relay'] as const) {
        const pin = config.pins[output];
        if (pin === undefined) continue;
        // The sysfs 'high'/'low' directions set the raw level, ignoring active_low: start at the inactive
        // level so a relay or LED does not flash while the agent starts.
        const activeLow = config.activeLow ?? false;
        const gpio = factory(pin, activeLow ? 'high' : 'low', undefined, { activeLow });
        made.push(gpio);
        this.outputs.set(output, gpio);
      }
      if (config.pins.button !== undefined) {
        this.button = factory(config.pins.button, 'in', 'both', { activeLow: config.buttonActiveLow ?? true, debounceTimeout: config.buttonDebounceMs ?? 20 });
        made.push(this.button);
        this.button.watch((error, value) => {
          if (error) this.log('warn', `button read failed: ${error.message}`, { pin: config.pins.button });
          else if (value === 1) this.pressed();
        });
      }
    } catch (cause) {
      for (const gpio of made) safely(() => gpio.unexport());
      throw new XacminhError('GPIO_UNAVAILABLE', `Cannot open the GPIO pins ${JSON.stringify(config.pins)}: check the pin numbers and that this user is in the gpio group`, { pins: config.pins }, { cause });
    }
  }

  protected has(output: Output): boolean {
    return this.outputs.has(output);
  }

  protected write(output: Output, on: boolean): void {
    this.outputs.get(output)!.writeSync(on ? 1 : 0);
  }

  protected override onWriteError(output: Output | 'button', error: unknown): void {
    this.log('warn', `GPIO write to ${output} failed: ${String(error)}`, { output });
  }

  protected async release(): Promise<void> {
    this.button?.unwatchAll();
    for (const gpio of [...this.outputs.values(), ...(this.button ? [this.button] : [])]) safely(() => gpio.unexport());
    this.outputs.clear();
    this.button = undefined;
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Releasing a pin that is already gone: nothing left to do.
  }
}
