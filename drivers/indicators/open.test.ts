import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BinaryValue } from 'onoff';
import { GpioIndicators, onoffAccessible, type GpioFactory } from './gpio.ts';
import { LoggingIndicators } from './logging.ts';
import { openIndicators } from './open.ts';

interface Entry {
  level: string;
  message: string;
  evidence?: Record<string, unknown>;
}
function collector(): { log: (level: 'info' | 'warn' | 'error', message: string, evidence?: Record<string, unknown>) => void; entries: Entry[] } {
  const entries: Entry[] = [];
  return { entries, log: (level, message, evidence) => entries.push({ level, message, evidence }) };
}

test('this PC has no GPIO: a GPIO_UNAVAILABLE warning and logging indicators, no crash', async () => {
  const { log, entries } = collector();
  // The real check, not a stub: on the build machine /sys/class/gpio is absent.
  const accessible = onoffAccessible();
  const indicators = await openIndicators({ pins: { green: 17, red: 27 } }, log);
  if (accessible) {
    assert.ok(indicators instanceof GpioIndicators);
  } else {
    assert.ok(indicators instanceof LoggingIndicators);
    const warning = entries.find((e) => e.level === 'warn');
    assert.ok(warning, 'a warning was logged');
    assert.is(warning!.evidence?.code, 'GPIO_UNAVAILABLE');
    await indicators.show('verified');
    assert.ok(entries.some((e) => e.message.includes('verified')), 'the signal is logged');
  }
  await indicators.close();
});

test('GPIO accessible: GpioIndicators; a pin that fails to open falls back with a warning', async () => {
  const written: number[] = [];
  const factory: GpioFactory = (pin) => ({
    writeSync: (v: BinaryValue) => void written.push(pin * 10 + v),
    readSync: () => 0,
    watch: () => undefined,
    unwatchAll: () => undefined,
    unexport: () => undefined,
  });
  const ok = collector();
  const gpio = await openIndicators({ pins: { green: 4 } }, ok.log, { gpioAccessible: () => true, gpioFactory: factory });
  assert.ok(gpio instanceof GpioIndicators);
  await gpio.show('ready');
  assert.equal(written, [41]);
  await gpio.close();

  const bad = collector();
  const failing: GpioFactory = () => {
    throw new Error('EACCES: permission denied, open /sys/class/gpio/export');
  };
  const fallback = await openIndicators({ pins: { green: 4 } }, bad.log, { gpioAccessible: () => true, gpioFactory: failing });
  assert.ok(fallback instanceof LoggingIndicators);
  assert.is(bad.entries.find((e) => e.level === 'warn')?.evidence?.code, 'GPIO_UNAVAILABLE');
});

test('a Firmata board that is not there: SERIAL_UNAVAILABLE warning, logging indicators', async () => {
  const { log, entries } = collector();
  const indicators = await openIndicators({ pins: { green: 2 }, firmata: { path: '/nonexistent/ttyACM7' } }, log);
  assert.ok(indicators instanceof LoggingIndicators);
  assert.is(entries.find((e) => e.level === 'warn')?.evidence?.code, 'SERIAL_UNAVAILABLE');
});

test('no pins configured: logging indicators without a warning', async () => {
  const { log, entries } = collector();
  const indicators = await openIndicators({}, log);
  assert.ok(indicators instanceof LoggingIndicators);
  assert.is(entries.filter((e) => e.level === 'warn').length, 0);
});

test.run();
