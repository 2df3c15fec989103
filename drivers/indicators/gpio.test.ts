// GpioIndicators with onoff's Gpio replaced by a fake (there is no /sys/class/gpio on the build machine):
// the fake records what onoff would have been asked to do, pin by pin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { performance } from 'node:perf_hooks';
import type { BinaryValue, Direction, Edge, Options } from 'onoff';
import { assertThrowsCode } from '../test-assert.ts';
import { GpioIndicators, type GpioFactory, type GpioLike, type GpioPins } from './gpio.ts';
import { runPatternSuite, type Level } from './pattern-suite.ts';
import type { Output } from './patterns.ts';

class FakeGpio implements GpioLike {
  value: BinaryValue;
  writes: { atMs: number; value: BinaryValue }[] = [];
  watchers: ((error: Error | null | undefined, value: BinaryValue) => void)[] = [];
  unexported = false;
  constructor(
    readonly pin: number,
    readonly direction: Direction,
    readonly edge: Edge | undefined,
    readonly options: Options | undefined,
  ) {
    this.value = direction === 'high' ? 1 : 0;
  }
  writeSync(value: BinaryValue): void {
    if (this.unexported) throw new Error(`EINVAL: gpio${this.pin} is unexported`);
    this.value = value;
    this.writes.push({ atMs: performance.now(), value });
  }
  readSync(): BinaryValue {
    return this.value;
  }
  watch(callback: (error: Error | null | undefined, value: BinaryValue) => void): void {
    this.watchers.push(callback);
  }
  unwatchAll(): void {
    this.watchers = [];
  }
  unexport(): void {
    this.unexported = true;
  }
}

const PINS: Required<GpioPins> = { green: 17, red: 27, busy: 22, buzzer: 23, relay: 24, button: 25 };

function fakeBoard(): { factory: GpioFactory; gpios: Map<number, FakeGpio> } {
  const gpios = new Map<number, FakeGpio>();
  const factory: GpioFactory = (pin, direction, edge, options) => {
    const gpio = new FakeGpio(pin, direction, edge, options);
    gpios.set(pin, gpio);
    return gpio;
  };
  return { factory, gpios };
}

runPatternSuite('GpioIndicators (fake onoff)', (options) => {
  const { factory, gpios } = fakeBoard();
  const indicators = new GpioIndicators({ pins: PINS, ...options }, () => undefined, factory);
  const origin = performance.now();
  return {
    indicators,
    writes: () => {
      const all: Level[] = [];
      for (const [output, pin] of Object.entries(PINS) as [Output | 'button', number][]) {
        if (output === 'button') continue;
        for (const w of gpios.get(pin)!.writes) all.push({ atMs: w.atMs - origin, output, on: w.value === 1 });
      }
      return all.sort((a, b) => a.atMs - b.atMs);
    },
    pressButton: () => {
      const button = gpios.get(PINS.button)!;
      for (const watcher of button.watchers) watcher(null, 1);
      for (const watcher of button.watchers) watcher(null, 0);
    },
  };
});

test('pins are opened as outputs at the inactive level, the button as a debounced input', async () => {
  const { factory, gpios } = fakeBoard();
  const low = new GpioIndicators({ pins: PINS }, () => undefined, factory);
  assert.is(gpios.get(PINS.green)!.direction, 'low');
  assert.is(gpios.get(PINS.button)!.direction, 'in');
  assert.is(gpios.get(PINS.button)!.edge, 'both');
  assert.equal(gpios.get(PINS.button)!.options, { activeLow: true, debounceTimeout: 20 });
  await low.close();
  assert.ok([...gpios.values()].every((g) => g.unexported), 'every pin released');

  // Active-low wiring: sysfs 'high' is the raw level, i.e. off for an active-low relay.
  const board = fakeBoard();
  const high = new GpioIndicators({ pins: { relay: 5 }, activeLow: true, relayPulseMs: 50 }, () => undefined, board.factory);
  assert.is(board.gpios.get(5)!.direction, 'high');
  assert.equal(board.gpios.get(5)!.options, { activeLow: true });
  await high.show('verified');
  assert.equal(board.gpios.get(5)!.writes.map((w) => w.value), [1, 0], 'onoff is given logical levels; it inverts');
  await high.close();
});

test('a pin that cannot be opened → GPIO_UNAVAILABLE, and the pins already opened are released', () => {
  const { factory, gpios } = fakeBoard();
  const failing: GpioFactory = (pin, ...rest) => {
    if (pin === PINS.buzzer) throw new Error('EBUSY: resource busy');
    return factory(pin, ...rest);
  };
  const error = assertThrowsCode(() => new GpioIndicators({ pins: PINS }, () => undefined, failing), 'GPIO_UNAVAILABLE');
  assert.match(error.message, /gpio group/);
  assert.ok(gpios.size > 0);
  assert.ok([...gpios.values()].every((g) => g.unexported));
});

test('a write failing mid-pattern is logged, not thrown', async () => {
  const { factory, gpios } = fakeBoard();
  const logs: string[] = [];
  const ind = new GpioIndicators({ pins: { green: 1, buzzer: 2 } }, (_level, message) => logs.push(message), factory);
  gpios.get(2)!.unexported = true; // the pin vanished
  await ind.show('verified');
  assert.ok(gpios.get(1)!.value === 1);
  assert.ok(logs.some((m) => m.includes('buzzer')), logs.join('\n'));
  await ind.close();
});

test.run();
