/**
 * One self-test run: the checks, the signed report, its storage; the caller publishes it (the CLI over its
 * own connection, the agent through its outbox). Shared by `xacminh self-test` and the MQTT command.
 */
import type { DeviceIdentity } from '../agent/datadir.ts';
import { buildReport, signReport, storeReport, type SelfTestReport } from './report.ts';
import { exitCodeFor, overallStatus, runChecks, type RunOptions } from './runner.ts';
import { SUITE } from './suite.ts';
import type { Check, SelfTestContext } from './types.ts';

export interface SelfTestRun {
  report: SelfTestReport;
  jws: string;
  /** Null when the report could not be kept (a full disk): it is still printed and published. */
  file: string | null;
  storeError?: string;
  exitCode: 0 | 1 | 3;
}

export async function runSelfTest(ctx: SelfTestContext, identity: DeviceIdentity, options: RunOptions & { checks?: readonly Check[]; keepDevicesOpen?: boolean } = {}): Promise<SelfTestRun> {
  const startedAt = ctx.now().toISOString();
  let checks;
  try {
    checks = await runChecks(options.checks ?? SUITE, ctx, options);
  } finally {
    // The CLI keeps its broker connection to publish the report, and closes the devices itself.
    if (!options.keepDevicesOpen) await ctx.devices.close();
  }
  const status = overallStatus(checks);
  const report = buildReport({
    siteId: ctx.config.siteId,
    deviceId: ctx.config.deviceId,
    via: ctx.devices.via,
    interactive: ctx.interactive,
    startedAt,
    finishedAt: ctx.now().toISOString(),
    status,
    checks,
  });
  const jws = await signReport(report, identity, ctx.paths);
  try {
    return { report, jws, file: storeReport(ctx.paths, report, jws), exitCode: exitCodeFor(status) };
  } catch (error) {
    // The disk the report would go to may be the very fault found: the run's result must still come out.
    return { report, jws, file: null, storeError: error instanceof Error ? error.message : String(error), exitCode: exitCodeFor(status) };
  }
}
