// `xacminh start` as systemd runs it (Type=notify, WatchdogSec): READY=1 once the terminal runs, watchdog
// pings while it is healthy, STOPPING=1 on SIGTERM, all sent from the agent's own process (NotifyAccess=main).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startNotifyReceiver } from '../run/notify-receiver-test-support.ts';
import { makeSiteDataDir } from './start-test-support.ts';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');

test('under systemd: READY=1 with the site in STATUS=, WATCHDOG=1 while healthy, STOPPING=1 on SIGTERM', async () => {
  const dataDir = makeSiteDataDir('xacminh-start-systemd-');
  const receiver = await startNotifyReceiver();
  try {
    // systemd would set WATCHDOG_PID to the main PID; left out, the watchdog is ours. stderr is no journal here.
    const env: NodeJS.ProcessEnv = { ...process.env, NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '400000' };
    delete env.WATCHDOG_PID;
    delete env.JOURNAL_STREAM;
    const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const [ready] = await receiver.take(1);
      assert.match(ready!, /^READY=1\nSTATUS=running: site hcm-q1 \/ device quay-1/, output);
      // Pings every 200 ms while healthy (the first right after READY=1).
      assert.equal(await receiver.take(2), ['WATCHDOG=1', 'WATCHDOG=1'], output);
      child.kill('SIGTERM');
      const rest = await receiver.takeUntil(/^STOPPING=1/);
      assert.ok(rest.every((m) => m === 'WATCHDOG=1' || m.startsWith('STOPPING=1')), rest.join(' | '));
      assert.match(rest.at(-1)!, /^STOPPING=1\nSTATUS=stopping \(signal\)$/);
      assert.is(await exited, 0, output);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
