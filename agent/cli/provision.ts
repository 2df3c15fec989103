/**
 * `xacminh provision`: puts a terminal into service from the technician's answers (prompts, or --answers
 * FILE), and `xacminh provision status`: what is set and what is missing. Exit status: 0 done (status:
 * complete), 2 bad answers, 1 a step failed (status: something missing).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import { isXacminhError } from '../../drivers/errors.ts';
import { dataDirPaths } from '../datadir.ts';
import { readAnswersFile, resolveDataDir, type Answers } from '../../provisioning/provision/answers.ts';
import { dataDirOwner } from '../../provisioning/provision/owner.ts';
import { promptAnswers, type PromptDefaults } from '../../provisioning/provision/prompts.ts';
import { runProvision, type EnrolFunction } from '../../provisioning/provision/run.ts';
import { provisionStatus, type CertificateStatusLike } from '../../provisioning/provision/status.ts';
import { renderProvision, renderStatus, type Lang } from '../../provisioning/provision/summary.ts';
import { processIo, type CliIo } from './cli-io.ts';

export interface ProvisionDeps {
  enrol: EnrolFunction;
  certificateStatus: (dataDir: string, now: Date) => CertificateStatusLike;
  /** Where the interactive answers are read from (default stdin). */
  input: Readable;
  now?: () => Date;
  unitPath?: string;
}

interface ProvisionOptions {
  answers?: string;
  lang: Lang;
  dataDir?: string;
  resetPassword: string[];
  json?: boolean;
}

interface StatusOptions {
  lang: Lang;
  dataDir?: string;
  json?: boolean;
}

async function estDeps(): Promise<Pick<ProvisionDeps, 'enrol' | 'certificateStatus'>> {
  const est = await import('../../provisioning/est/enrol.ts');
  return { enrol: est.enrolDevice, certificateStatus: est.certificateStatus };
}

/** Adds `provision` and `provision status` to `program`; each hands its exit status to `onExit`. */
export function registerProvisionCommand(program: Command, io: CliIo = processIo, onExit: (code: number) => void = (code) => (process.exitCode = code), deps: Partial<ProvisionDeps> = {}): Command {
  const resolveDeps = async (): Promise<ProvisionDeps> => ({ input: process.stdin, ...(deps.enrol && deps.certificateStatus ? {} : await estDeps()), ...deps }) as ProvisionDeps;
  const lang = () => new Option('--lang <lang>', 'language of the prompts and the summary').choices(['vi', 'en']).default('vi');
  const provision = program
    .command('provision')
    .description('Put this terminal into service: enrol its identity, import the trust store, write the site config, create the accounts (Vietnamese prompts, or --answers FILE)')
    .option('--answers <file>', 'answers as JSON (no prompts)')
    .addOption(lang())
    .option('--data-dir <dir>', 'data dir (default: the answers\' dataDir, else $XACMINH_DATA_DIR, else /var/lib/xacminh as root, else ./.data)')
    .option('--reset-password <user>', 'give this account a new password (printed once); repeatable', (user: string, users: string[]) => [...users, user], [] as string[])
    .option('--json', 'print the step reports as JSON (new passwords included: keep it off logs)')
    .addHelpText('after', '\nExit status: 0 done, 2 the answers are wrong, 1 a step failed.')
    .action(async (options: ProvisionOptions) => onExit(await provisionCommand(options, io, await resolveDeps())));
  provision
    .command('status')
    .description('What is set and what is missing: identity and certificate expiry, site profile, broker, authority key, trust store, accounts, service, last self-test')
    // No defaults here: unless the root enables positional options, provision itself takes the flags that
    // follow `status` (same names), and optsWithGlobals merges both.
    .addOption(new Option('--lang <lang>', 'language of the report (default vi)').choices(['vi', 'en']))
    .option('--data-dir <dir>', 'data dir (default $XACMINH_DATA_DIR, else /var/lib/xacminh as root, else ./.data)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit status: 0 complete, 1 something is missing.')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<Partial<StatusOptions>>();
      onExit(await statusCommand({ ...options, lang: options.lang ?? 'vi' }, io, await resolveDeps()));
    });
  return provision;
}

export async function provisionCommand(options: ProvisionOptions, io: CliIo, deps: ProvisionDeps): Promise<number> {
  let answers: Answers;
  try {
    if (options.answers) {
      answers = readAnswersFile(options.answers);
    } else {
      const dataDir = resolveDataDir(undefined, options.dataDir);
      answers = await promptAnswers(deps.input, io.stdout, options.lang, promptDefaults(dataDir));
    }
  } catch (error) {
    if (!isXacminhError(error, 'INVALID_INPUT')) throw error;
    const linesVi = Array.isArray(error.evidence.linesVi) ? error.evidence.linesVi.map(String) : [];
    if (options.lang === 'vi') io.stderr(`Câu trả lời không hợp lệ — sửa các trường sau:\n${linesVi.map((l) => `  ${l}\n`).join('')}`);
    io.stderr(`${error.message} [${error.code}]\n`);
    return 2;
  }
  const dataDir = resolveDataDir(answers, options.dataDir);
  const owner = dataDirOwner(dataDir);
  const result = await runProvision(answers, { dataDir, enrol: deps.enrol, resetPassword: options.resetPassword, ...(owner ? { owner } : {}), ...(deps.now ? { now: deps.now } : {}) });
  io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderProvision(result, options.lang));
  return result.exitCode;
}

export async function statusCommand(options: StatusOptions, io: CliIo, deps: ProvisionDeps): Promise<number> {
  const dataDir = resolveDataDir(undefined, options.dataDir);
  const status = await provisionStatus(dataDir, { certificateStatus: deps.certificateStatus, ...(deps.now ? { now: deps.now() } : {}), ...(deps.unitPath ? { unitPath: deps.unitPath } : {}) });
  io.stdout(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status, options.lang));
  return status.complete ? 0 : 1;
}

/** On a re-run the prompts offer what the data dir already says. */
function promptDefaults(dataDir: string): PromptDefaults {
  const paths = dataDirPaths(dataDir);
  const defaults: PromptDefaults = {};
  const site = readJson(paths.siteConfig);
  const enrolment = readJson(paths.enrolment);
  if (typeof enrolment?.url === 'string') defaults.url = enrolment.url;
  if (typeof enrolment?.caFingerprint === 'string') defaults.caFingerprint = enrolment.caFingerprint;
  if (enrolment) defaults.enrolled = true;
  if (typeof site?.siteId === 'string') defaults.siteId = site.siteId;
  if (typeof site?.deviceId === 'string') defaults.deviceId = site.deviceId;
  if (site?.site && typeof site.site === 'object') defaults.profile = site.site as PromptDefaults['profile'] & object;
  const trust = site?.trust as { masterListSigners?: unknown } | undefined;
  if (Array.isArray(trust?.masterListSigners)) defaults.pins = trust.masterListSigners.map(String);
  if (existsSync('/usr/bin/rpicam-vid')) defaults.cameraKind = 'rpicam';
  return defaults;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
