/**
 * For tests and benchmarks: makes sure pcscd runs with the vpcd driver, so the virtual card can be read
 * through the real PC/SC stack. Starts pcscd only if nothing answers on its socket, and stops only what
 * it started (a child in the foreground, so it is ours to signal and not a daemon we would lose track of).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XacminhError } from '../errors.ts';
import { PcscContext, pcscdReachable } from '../pcsc/context.ts';
import { VPCD_PORT } from './vpcd.ts';

const PCSCD = ['/usr/sbin/pcscd', '/usr/bin/pcscd'];
const VPCD_DRIVERS = ['/usr/lib/pcsc/drivers/serial/libifdvpcd.so', '/usr/lib/pcsc/drivers/serial/libifdvpcd.so.0.8'];
const READER_CONF_DIR = '/etc/reader.conf.d';
const INSTALL_HINT = 'install with apt-get install pcscd vsmartcard-vpcd (the project\'s `npm test` bootstrap installs them)';
/** The reader vpcd's first slot shows up as; slot n is "Virtual PCD 00 0n" on port 35963 + n. */
export const VPCD_READER = 'Virtual PCD 00 00';

let started: ChildProcess | undefined;
let users = 0;

export interface PcscdHarness {
  readerName: string;
  port: number;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** vpcd slot: 0 (default) or 1. */
  slot?: 0 | 1;
  timeoutMs?: number;
}

export async function ensurePcscdWithVpcd(options: HarnessOptions = {}): Promise<PcscdHarness> {
  const slot = options.slot ?? 0;
  const readerName = `Virtual PCD 00 0${slot}`;
  const pcscd = PCSCD.find((p) => existsSync(p));
  if (!pcscd) throw new XacminhError('PCSC_UNAVAILABLE', `pcscd is not installed: ${INSTALL_HINT}`);
  if (!VPCD_DRIVERS.some((p) => existsSync(p))) throw new XacminhError('PCSC_UNAVAILABLE', `The vpcd driver is not installed: ${INSTALL_HINT}`);
  if (!vpcdConfigured()) throw new XacminhError('PCSC_UNAVAILABLE', `No reader.conf entry loads the vpcd driver in ${READER_CONF_DIR}: reinstall vsmartcard-vpcd`);

  if (!started && !(await pcscdReachable(1000))) {
    const child = spawn(pcscd, ['--foreground'], { stdio: 'ignore' });
    started = child;
    child.once('error', () => undefined); // reported below as "did not come up"
    child.once('exit', () => {
      if (started === child) started = undefined;
    });
  }
  users++;
  try {
    await waitForReader(readerName, options.timeoutMs ?? 10_000);
  } catch (error) {
    await release();
    throw error;
  }
  let stopped = false;
  return {
    readerName,
    port: VPCD_PORT + slot,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await release();
    },
  };
}

/** Drops one user; the last one stops pcscd if this module started it. */
async function release(): Promise<void> {
  if (--users > 0 || !started) return;
  const child = started;
  started = undefined;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function vpcdConfigured(): boolean {
  try {
    return readdirSync(READER_CONF_DIR).some((f) => readFileSync(join(READER_CONF_DIR, f), 'utf8').includes('libifdvpcd'));
  } catch {
    return false;
  }
}

/** A pcscd just spawned refuses connections for a moment: retry with a fresh context until the deadline. */
async function waitForReader(readerName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const child = started;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new XacminhError('PCSC_UNAVAILABLE', `pcscd exited at start (${child.exitCode ?? child.signalCode}): run \`pcscd --foreground --debug\` to see why`);
    }
    let context: PcscContext | undefined;
    try {
      context = await PcscContext.open();
      await context.waitForReader(readerName, { timeoutMs: Math.max(100, Math.min(2000, deadline - Date.now())) });
      return;
    } catch (error) {
      if (Date.now() >= deadline) {
        const running = await pcscdReachable(500);
        throw new XacminhError(
          running ? 'NO_READER' : 'PCSC_UNAVAILABLE',
          running
            ? `pcscd runs but shows no "${readerName}": it was probably started before vsmartcard-vpcd was installed; restart pcscd`
            : `pcscd did not come up within ${timeoutMs} ms`,
          { readerName },
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      context?.close();
    }
  }
}
