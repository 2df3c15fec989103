/**
 * `xacminh self-test`: every peripheral and the terminal's identity checked, a Vietnamese summary for the
 * technician (or --json), the signed report kept in <data-dir>/self-tests/ and published on …/selftest.
 * Exit status: 0 all pass (skips allowed), 1 a failure, 3 marginal, 2 bad input.
 */
import { Option, type Command } from 'commander';
import { isXacminhError, XacminhError } from '../../drivers/errors.ts';
import { CliDevices, type CliDeviceOptions } from '../../hardware-tests/cli-devices.ts';
import { makeContext, type ContextOptions } from '../../hardware-tests/context.ts';
import { lineAsk } from '../../hardware-tests/line-ask.ts';
import { selfTestTopic } from '../../hardware-tests/publish.ts';
import { runSelfTest } from '../../hardware-tests/self-test.ts';
import { SUITE } from '../../hardware-tests/suite.ts';
import { overallLine, resultLine, type Lang } from '../../hardware-tests/summary.ts';
import type { Ask, SuiteLimits } from '../../hardware-tests/types.ts';
import { loadConfigFile } from '../config/load.ts';
import { dataDirPaths, loadDeviceIdentity } from '../datadir.ts';
import { processIo, type CliIo } from './cli-io.ts';

export interface SelfTestOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
  /** true/false from --interactive / --no-interactive; absent: interactive when stdin is a terminal. */
  interactive?: boolean;
  lang?: Lang;
  only?: string;
}

/** What tests (and a future kiosk flow) inject instead of a terminal and real hardware. */
export interface SelfTestDeps {
  io?: CliIo;
  ask?: Ask;
  devices?: CliDeviceOptions;
  limits?: Partial<SuiteLimits>;
  now?: () => Date;
  overrides?: ContextOptions['overrides'];
}

export function registerSelfTestCommand(program: Command): Command {
  return program
    .command('self-test')
    .description('Check every peripheral, the certificate, the clock, the disk and the broker; print a summary and keep a signed report')
    .option('--data-dir <dir>', 'data dir (default $XACMINH_DATA_DIR, else ./.data)')
    .option('--config <file>', 'site config (default <data-dir>/site.json)')
    .option('--json', 'print the report as JSON')
    .option('--interactive', 'ask the technician to look at the lights, press the button, scan and lay a card (default when stdin is a terminal)')
    .option('--no-interactive', 'never ask: checks that need a person are skipped with the reason')
    .option('--only <regex>', 'only the checks whose id matches, e.g. "camera|broker"')
    .addOption(new Option('--lang <lang>', 'language of the summary').choices(['vi', 'en']).default('vi'))
    .addHelpText('after', '\nExit status: 0 all pass (skipped checks allowed), 1 a check failed, 3 a check is marginal, 2 bad input.')
    .action(async (options: SelfTestOptions) => {
      process.exitCode = await selfTestCommand(options);
    });
}

export async function selfTestCommand(options: SelfTestOptions, deps: SelfTestDeps = {}): Promise<number> {
  const io = deps.io ?? processIo;
  const lang: Lang = options.lang === 'en' ? 'en' : 'vi';
  const paths = dataDirPaths(options.dataDir ?? process.env.XACMINH_DATA_DIR ?? './.data');
  const only = onlyPattern(options.only);
  const { config, fromFile } = await loadConfigFile(options.config ?? paths.siteConfig);
  if (options.config && !fromFile) {
    throw new XacminhError('INVALID_INPUT', `--config ${options.config}: no such file. Give the path of the site config, or leave --config out`, { field: 'config', linesVi: [`Không có tệp cấu hình ${options.config}: kiểm tra đường dẫn sau --config, hoặc bỏ --config.`] });
  }
  // Before any device is touched: without its key the terminal cannot sign what it found.
  const identity = loadDeviceIdentity(paths, { create: false });
  const interactive = options.interactive ?? Boolean(process.stdin.isTTY);
  const terminal = interactive && !deps.ask ? lineAsk(process.stdin, process.stderr, lang) : undefined;
  const ask: Ask = deps.ask ?? terminal?.ask ?? (async () => '');
  // Ctrl-C at a question stops the run (the rest is skipped as stopped) instead of leaving readline paused.
  const stop = new AbortController();
  terminal?.onInterrupt(() => stop.abort());
  const devices = new CliDevices(config, paths, deps.devices);
  const byId = new Map(SUITE.map((c) => [c.id, c]));
  try {
    const run = await runSelfTest(
      makeContext({ paths, config, devices, identity, interactive, ask, say: (m) => io.stderr(`${m[lang]}\n`), ...(deps.limits ? { limits: deps.limits } : {}), ...(deps.now ? { now: deps.now } : {}), ...(deps.overrides ? { overrides: deps.overrides } : {}) }),
      identity,
      {
        ...(only ? { only: (id: string) => only.test(id) } : {}),
        signal: stop.signal,
        // Each line as its check ends: a technician watching a slow camera check sees progress.
        onResult: (result) => {
          if (!options.json) io.stdout(`${resultLine(result, byId.get(result.id), lang)}\n`);
        },
        keepDevicesOpen: true,
      },
    );
    const published = await publish(devices, config, run.jws);
    if (options.json) io.stdout(`${JSON.stringify({ ...run.report, file: run.file, ...(run.storeError ? { storeError: run.storeError } : {}), published }, null, 2)}\n`);
    else {
      io.stdout(overallLine(run.report.status, lang));
      const kept = run.file ?? (lang === 'vi' ? `không lưu được (${run.storeError})` : `could not be kept (${run.storeError})`);
      io.stdout(`${lang === 'vi' ? 'Báo cáo đã ký' : 'Signed report'}: ${kept}\n${publishedLine(published, lang)}\n`);
    }
    return run.exitCode;
  } finally {
    terminal?.close();
    await devices.close();
  }
}

function onlyPattern(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new XacminhError('INVALID_INPUT', `--only ${text} is not a regular expression (${(error as Error).message}); e.g. --only "camera|broker"`, { field: 'only' });
  }
}

async function publish(devices: CliDevices, config: Parameters<typeof selfTestTopic>[0], jws: string): Promise<{ topic: string; ok: boolean; error?: string } | null> {
  const broker = devices.brokerForReport;
  if (!broker) return null;
  const topic = selfTestTopic(config);
  try {
    await broker.publish(topic, jws, AbortSignal.timeout(15_000));
    return { topic, ok: true };
  } catch (error) {
    return { topic, ok: false, error: isXacminhError(error) ? `${error.code}: ${error.message}` : String(error) };
  }
}

function publishedLine(published: Awaited<ReturnType<typeof publish>>, lang: Lang): string {
  if (!published) return lang === 'vi' ? 'Không gửi báo cáo (máy chủ MQTT nội bộ/demo).' : 'Report not published (embedded/demo broker).';
  if (published.ok) return lang === 'vi' ? `Đã gửi báo cáo lên ${published.topic} (QoS 1, đã xác nhận).` : `Report published on ${published.topic} (QoS 1, acknowledged).`;
  return lang === 'vi' ? `Chưa gửi được báo cáo lên ${published.topic}: ${published.error}` : `Report not published on ${published.topic}: ${published.error}`;
}
