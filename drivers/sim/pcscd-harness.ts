/**
 * For tests and benchmarks: makes sure pcscd runs with the vpcd driver, so the virtual card can be read
 * through the real PC/SC stack. Starts pcscd only if it is not running, and stops only what it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { XacminhError } from '../errors.ts';
import { PcscContext } from '../pcsc/context.ts';
import { VPCD_PORT } from './vpcd.ts';

const PCSCD = ['/usr/sbin/pcscd', '/usr/bin/pcscd'];
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const PCSCD_PID = '/run/pcscd/pcscd.pid';
export const VPCD_READER = 'Virtual PCD 00 00';

let started: ChildProcess | undefined;
let users = 0;

export interface PcscdHarness {
  readerName: string;
  port: number;
  stop(): Promise<void>;
}

function pcscdRunning(): boolean {
  try {
    const pid = Number(readFileSync(PCSCD_PID, 'utf8').trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function ensurePcscdWithVpcd(options: { timeoutMs?: number } = {}): Promise<PcscdHarness> {
  const pcscd = PCSCD.find((p) => existsSync(p));
  if (!pcscd || !existsSync(VPCD_DRIVER)) {
    throw new XacminhError('PCSC_UNAVAILABLE', 'pcscd and the vpcd driver are needed: apt-get install pcscd vsmartcard-vpcd (npm test installs them)');
  }
  if (!pcscdRunning() && !started) {
    started = spawn(pcscd, ['--foreground'], { stdio: 'ignore' });
    started.once('exit', () => (started = undefined));
  }
  users++;
  try {
    await waitForVirtualReader(options.timeoutMs ?? 10_000);
  } catch (error) {
    users--;
    throw error;
  }
  return {
    readerName: VPCD_READER,
    port: VPCD_PORT,
    stop: async () => {
      if (--users > 0 || !started) return;
      const child = started;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** A pcscd just spawned refuses connections for a moment: retry with a fresh context until the deadline. */
async function waitForVirtualReader(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let context: PcscContext | undefined;
    try {
      context = await PcscContext.open();
      await context.waitForReader(VPCD_READER, { timeoutMs: Math.max(100, Math.min(2000, deadline - Date.now())) });
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      context?.close();
    }
  }
}
