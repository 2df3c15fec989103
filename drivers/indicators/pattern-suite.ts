/**
 * The behaviour every Indicators implementation must show, run against each one (as mqtt.js runs its
 * abstract_store suite against every store): the test gives a factory and a way to read what reached the pins.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Indicators } from './indicators.ts';
import { LONG_BEEP_MS, SHORT_BEEP_MS, type Output } from './patterns.ts';

export interface Level {
  atMs: number;
  output: Output;
  on: boolean;
}

export interface Harness {
  indicators: Indicators;
  /** Every level change that reached the outputs, in order, with its time. */
  writes(): Level[];
  /** Resolves once the press has reached the indicators (a Firmata board reports it over the wire). */
  pressButton(): void | Promise<void>;
  /** Waits until the writes made so far are visible in writes() (a remote board receives them later). */
  settle?(): Promise<void>;
  dispose?(): Promise<void>;
}

export type MakeHarness = (options: { relayPulseMs?: number }) => Harness | Promise<Harness>;

export interface SuiteOptions {
  /** How far apart the on and off of a pulse may be seen early (the wire's jitter, for a remote board). */
  slackMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function read(h: Harness): Promise<Level[]> {
  await h.settle?.();
  return h.writes();
}

function of(writes: Level[], output: Output): Level[] {
  return writes.filter((w) => w.output === output);
}

function level(writes: Level[], output: Output): boolean {
  return of(writes, output).at(-1)?.on ?? false;
}

/** Lengths of the on-periods of an output. */
function pulses(writes: Level[], output: Output): number[] {
  const out: number[] = [];
  let since: number | undefined;
  for (const w of of(writes, output)) {
    if (w.on && since === undefined) since = w.atMs;
    else if (!w.on && since !== undefined) {
      out.push(w.atMs - since);
      since = undefined;
    }
  }
  return out;
}

export function runPatternSuite(name: string, make: MakeHarness, suiteOptions: SuiteOptions = {}): void {
  const it = suite(`indicators patterns: ${name}`);
  // Timers never fire early, but performance.now() and setTimeout round differently by up to a millisecond.
  const SLACK = suiteOptions.slackMs ?? 2;
  let harness: Harness | undefined;
  const open = async (options: { relayPulseMs?: number } = {}): Promise<Harness> => (harness = await make(options));
  it.after.each(async () => {
    await harness?.indicators.close();
    await harness?.dispose?.();
    harness = undefined;
  });

  it('ready: green on, everything else off, resolves at once', async () => {
    const h = await open();
    await h.indicators.show('busy');
    await h.indicators.show('ready');
    const w = await read(h);
    assert.ok(level(w, 'green'));
    for (const o of ['red', 'busy', 'buzzer', 'relay'] as const) assert.not.ok(level(w, o), o);
  });

  it('verified: green and one short beep; relay untouched when no pulse is configured', async () => {
    const h = await open();
    await h.indicators.show('verified');
    const w = await read(h);
    assert.ok(level(w, 'green'));
    const beeps = pulses(w, 'buzzer');
    assert.is(beeps.length, 1);
    assert.ok(beeps[0]! >= SHORT_BEEP_MS - SLACK, `beep ${beeps[0]} ms`);
    assert.is(of(w, 'relay').filter((x) => x.on).length, 0);
  });

  it('verified with relayPulseMs: the relay is pulsed once for that long', async () => {
    const h = await open({ relayPulseMs: 200 });
    await h.indicators.show('verified');
    const relay = pulses(await read(h), 'relay');
    assert.is(relay.length, 1);
    assert.ok(relay[0]! >= 200 - SLACK, `relay ${relay[0]} ms`);
    assert.not.ok(level(await read(h), 'relay'));
    // Not on a rejection.
    await h.indicators.show('rejected');
    assert.is(pulses(await read(h), 'relay').length, 1);
  });

  it('rejected: red and three beeps', async () => {
    const h = await open({ relayPulseMs: 200 });
    await h.indicators.show('rejected');
    const w = await read(h);
    assert.ok(level(w, 'red'));
    assert.not.ok(level(w, 'green'));
    assert.is(pulses(w, 'buzzer').length, 3);
    assert.not.ok(level(w, 'buzzer'));
  });

  it('error: one long beep', async () => {
    const h = await open();
    await h.indicators.show('error');
    const beeps = pulses(await read(h), 'buzzer');
    assert.is(beeps.length, 1);
    assert.ok(beeps[0]! >= LONG_BEEP_MS - SLACK, `beep ${beeps[0]} ms`);
    assert.ok(level(await read(h), 'red'));
  });

  it('a new show() cancels the running pattern: no beep of the old one afterwards', async () => {
    const h = await open();
    const first = h.indicators.show('rejected');
    await sleep(30);
    const switchAt = (await read(h)).at(-1)!.atMs;
    await h.indicators.show('ready');
    await first; // the cancelled pattern's promise settles too
    await sleep(700);
    const after = (await read(h)).filter((x) => x.atMs > switchAt);
    assert.not.ok(level(await read(h), 'buzzer'), 'the buzzer is silenced by the new pattern');
    assert.is(after.filter((x) => x.output === 'buzzer' && x.on).length, 0, 'no later beep of the cancelled pattern');
    assert.ok(level(await read(h), 'green'));
  });

  it('offline blinks until replaced, then stops', async () => {
    const h = await open();
    await h.indicators.show('offline'); // resolves after one cycle
    await sleep(1100);
    const blinks = of(await read(h), 'busy').filter((x) => x.on).length;
    assert.ok(blinks >= 2, `${blinks} blinks`);
    await h.indicators.show('ready');
    const count = (await read(h)).length;
    await sleep(1100);
    assert.is((await read(h)).length, count, 'nothing written after the blink was replaced');
    assert.not.ok(level(await read(h), 'busy'));
  });

  it('only changes are written: the same signal twice writes nothing new', async () => {
    const h = await open();
    await h.indicators.show('ready');
    const count = (await read(h)).length;
    await h.indicators.show('ready');
    assert.is((await read(h)).length, count);
    for (const o of ['green', 'red', 'busy', 'buzzer', 'relay'] as const) {
      const levels = of(await read(h), o).map((x) => x.on);
      assert.ok(levels.every((v, i) => i === 0 || v !== levels[i - 1]), `${o} written twice in a row`);
    }
  });

  it('close turns everything off and stops a running pattern', async () => {
    const h = await open();
    void h.indicators.show('error');
    await sleep(20);
    await h.indicators.close();
    const count = (await read(h)).length;
    for (const o of ['green', 'red', 'busy', 'buzzer', 'relay'] as const) assert.not.ok(level(await read(h), o), o);
    await sleep(850);
    assert.is((await read(h)).length, count, 'no write after close');
    await h.indicators.show('ready'); // harmless after close
    assert.is((await read(h)).length, count);
  });

  it('the button emits press; a throwing listener does not break the next press', async () => {
    const h = await open();
    const presses: Date[] = [];
    const bad = (): void => {
      throw new Error('listener bug');
    };
    h.indicators.on('press', bad);
    h.indicators.on('press', (e) => presses.push(e.at));
    await h.pressButton();
    h.indicators.off('press', bad);
    await h.pressButton();
    assert.is(presses.length, 1, 'the first press stopped at the throwing listener, the second arrived');
    assert.ok(presses.every((p) => p instanceof Date));
  });

  it.run();
}
