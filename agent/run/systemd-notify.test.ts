// sd_notify against a real unix datagram socket (bound by a python3 receiver, as systemd's would be): READY=1,
// WATCHDOG=1 on each round while healthy and none while unhealthy, STOPPING=1. The watchdog's timer is
// injected and driven by hand; datagrams from one sender arrive in order, so the whole sequence is asserted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthCheck } from './health.ts';
import { startNotifyReceiver as startReceiver } from './notify-receiver-test-support.ts';
import { openNotifySocket, SystemdNotifier, systemdNotifierFromEnv, watchdogUsecFromEnv, type IntervalTimers } from './systemd-notify.ts';

function manualTimers(): IntervalTimers & { fire(): void; intervalMs: number | undefined; active: boolean } {
  let callback: (() => void) | undefined;
  const timers = {
    intervalMs: undefined as number | undefined,
    active: false,
    setInterval(fn: () => void, ms: number) {
      callback = fn;
      timers.intervalMs = ms;
      timers.active = true;
      return 1;
    },
    clearInterval() {
      timers.active = false;
    },
    fire() {
      if (timers.active) callback!();
    },
  };
  return timers;
}

const silentLog = { warn: () => {}, info: () => {} };

test('READY=1, then WATCHDOG=1 only on healthy rounds, STATUS= on each change of health, STOPPING=1 at the end', async () => {
  const receiver = await startReceiver();
  try {
    let problem: string | null = null;
    let resets = 0;
    const probe: HealthCheck = { name: 'register', check: () => problem, reset: () => void resets++ };
    const timers = manualTimers();
    const transport = openNotifySocket({ NOTIFY_SOCKET: receiver.path });
    assert.ok(transport);
    const warnings: string[] = [];
    const notifier = new SystemdNotifier({ transport, checks: [probe], watchdogUsec: 30_000_000, timers, log: { warn: (_o, m) => warnings.push(m), info: () => {} } });

    notifier.ready('running: site s1 / device d1');
    assert.is(timers.intervalMs, 15_000, 'pings every WATCHDOG_USEC/2');
    assert.is(resets, 1, 'what the checks saw during the start is forgotten at READY=1');
    assert.equal(await receiver.take(2), ['READY=1\nSTATUS=running: site s1 / device d1', 'WATCHDOG=1']);

    timers.fire();
    assert.equal(await receiver.take(1), ['WATCHDOG=1']);

    problem = 'not writable (SQLITE_BUSY)';
    timers.fire();
    timers.fire();
    timers.fire();
    problem = null;
    timers.fire();
    // Three unhealthy rounds gave one STATUS= and no ping: the next datagram after it is the recovery.
    assert.equal(await receiver.take(3), ['STATUS=unhealthy: register: not writable (SQLITE_BUSY)', 'STATUS=running (healthy)', 'WATCHDOG=1']);
    assert.is(warnings.length, 1);
    assert.match(warnings[0]!, /unhealthy, the watchdog is not fed/);

    notifier.stopping('stopping: SIGTERM');
    assert.not.ok(timers.active, 'no pings once stopping');
    notifier.status('after');
    assert.equal(await receiver.take(2), ['STOPPING=1\nSTATUS=stopping: SIGTERM', 'STATUS=after']);
    notifier.close();
  } finally {
    receiver.close();
  }
});

test('unhealthy from the start: READY=1 but no first ping; a check that throws counts as unhealthy', async () => {
  const receiver = await startReceiver();
  try {
    const timers = manualTimers();
    let broken = true;
    const probe: HealthCheck = {
      name: 'event loop',
      check: () => {
        if (broken) throw new Error('histogram gone');
        return null;
      },
    };
    const notifier = new SystemdNotifier({ transport: openNotifySocket({ NOTIFY_SOCKET: receiver.path })!, checks: [probe], watchdogUsec: 10_000_000, timers, log: silentLog });
    notifier.ready('up');
    broken = false;
    timers.fire();
    assert.equal(await receiver.take(4), ['READY=1\nSTATUS=up', 'STATUS=unhealthy: event loop: check failed: histogram gone', 'STATUS=running (healthy)', 'WATCHDOG=1']);
    notifier.close();
  } finally {
    receiver.close();
  }
});

test('no watchdog configured: READY=1 and no timer', async () => {
  const receiver = await startReceiver();
  try {
    const timers = manualTimers();
    const notifier = new SystemdNotifier({ transport: openNotifySocket({ NOTIFY_SOCKET: receiver.path })!, checks: [], timers, log: silentLog });
    notifier.ready('up');
    notifier.status('second');
    assert.is(timers.intervalMs, undefined);
    assert.equal(await receiver.take(2), ['READY=1\nSTATUS=up', 'STATUS=second']);
    notifier.close();
  } finally {
    receiver.close();
  }
});

test('environment: no NOTIFY_SOCKET is no notifier; WATCHDOG_PID for another process is not ours; abstract sockets are refused clearly', () => {
  assert.is(openNotifySocket({}), null);
  assert.is(systemdNotifierFromEnv({ checks: () => [], log: silentLog, env: {} }), null);
  assert.is(watchdogUsecFromEnv({ WATCHDOG_USEC: '30000000' }, 42), 30_000_000);
  assert.is(watchdogUsecFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '41' }, 42), undefined);
  assert.is(watchdogUsecFromEnv({ WATCHDOG_USEC: 'x' }, 42), undefined);
  assert.throws(() => openNotifySocket({ NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }), /abstract socket/);
  const warnings: string[] = [];
  const notifier = systemdNotifierFromEnv({ checks: () => [], log: { warn: (_o, m) => warnings.push(m), info: () => {} }, env: { NOTIFY_SOCKET: '@abstract' } });
  assert.is(notifier, null, 'the agent runs on without notifications');
  assert.match(warnings[0]!, /socket unavailable/);
});

test('a socket nobody listens on: the send fails, is logged, and the agent is not thrown at', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-notify-'));
  try {
    const warnings: string[] = [];
    const notifier = new SystemdNotifier({ transport: openNotifySocket({ NOTIFY_SOCKET: join(dir, 'absent') })!, checks: [], log: { warn: (_o, m) => warnings.push(m), info: () => {} } });
    notifier.ready('up');
    assert.match(warnings[0]!, /systemd notification not sent: Cannot notify systemd/);
    notifier.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
