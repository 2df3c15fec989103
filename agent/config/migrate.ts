/**
 * Site config versions. A file without `version` is version 1 (the format before provisioning); each step
 * brings a file one version up. The agent migrates in memory on every load; provisioning and
 * install-service write the result back (migrateSiteConfigFile), keeping the original as site.json.v<N>.bak.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { CONFIG_VERSION } from './schema.ts';

export interface Migration {
  /** The config at the current version (a plain JSON object; not yet validated). */
  config: unknown;
  from: number;
  to: number;
  changed: boolean;
}

type Step = (config: Record<string, unknown>) => Record<string, unknown>;

/** STEPS[n] turns version n into version n + 1. */
const STEPS: Readonly<Record<number, Step>> = {
  // Version 2 adds `version` and the optional site profile (`site`); everything of version 1 keeps its meaning.
  1: (config) => ({ ...config, version: 2 }),
};

export function migrateSiteConfig(raw: unknown): Migration {
  // Not an object: nothing to migrate, and the schema says what is wrong with it.
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { config: raw, from: CONFIG_VERSION, to: CONFIG_VERSION, changed: false };
  const from = versionOf(raw as Record<string, unknown>);
  let config = raw as Record<string, unknown>;
  for (let version = from; version < CONFIG_VERSION; version++) {
    const step = STEPS[version];
    if (!step) throw new Error(`no site config migration from version ${version}`); // a programming error: every version below the current one has a step
    config = step(config);
  }
  return { config, from, to: CONFIG_VERSION, changed: from !== CONFIG_VERSION };
}

function versionOf(config: Record<string, unknown>): number {
  const version = config.version;
  if (version === undefined) return 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new XacminhError('CONFIG_INVALID', `version: ${JSON.stringify(version)} is not a site config version (a whole number from 1)`, {
      field: 'version',
      linesVi: [`Cấu hình không hợp lệ: version — ${JSON.stringify(version)} không phải số phiên bản (số nguyên từ 1)`],
    });
  }
  if (version > CONFIG_VERSION) {
    throw new XacminhError(
      'CONFIG_INVALID',
      `version: this site config is version ${version}, written by a newer xacminh; this one knows up to version ${CONFIG_VERSION}. Upgrade xacminh, or restore the backup (site.json.v${CONFIG_VERSION}.bak) the upgrade left`,
      { field: 'version', version, known: CONFIG_VERSION, linesVi: [`Cấu hình phiên bản ${version} do bản xacminh mới hơn ghi; bản này chỉ hiểu tới phiên bản ${CONFIG_VERSION}: nâng cấp xacminh`] },
    );
  }
  return version;
}

export interface FileMigration extends Omit<Migration, 'config'> {
  /** Where the original was kept, when the file was rewritten. */
  backup?: string;
}

/**
 * Migrates the site config file in place: the original is kept as `<path>.v<from>.bak` (an older backup of
 * the same version is replaced: it would hold the same format) and the migrated file replaces it atomically.
 * A missing file is nothing to migrate; a file that is not JSON is CONFIG_INVALID.
 */
export function migrateSiteConfigFile(path: string): FileMigration | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `${path} is not valid JSON (${(error as Error).message}): fix it, or move it away to start from a fresh one`, { path, linesVi: [`${path} không phải JSON hợp lệ: sửa lại, hoặc chuyển tệp đi để tạo tệp mới`] }, { cause: error });
  }
  const { config, ...result } = migrateSiteConfig(raw);
  if (!result.changed) return result;
  const backup = `${path}.v${result.from}.bak`;
  writeFileAtomicSync(backup, text, 0o600);
  writeFileAtomicSync(path, `${JSON.stringify(config, null, 2)}\n`, 0o600);
  return { ...result, backup };
}
