/**
 * Which terminal `xacminh start` runs: the embedded demo only when asked for (no --data-dir and no --config,
 * or --demo), a site's configuration otherwise. Anything in between is an error saying what to do, so a
 * mistyped path never starts the demo and writes simulated customers into a real data dir.
 */
import { XacminhError } from '../../drivers/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { AgentConfig } from '../config/schema.ts';
import { dataDirPaths, wasConfigured, type DataDirPaths } from '../datadir.ts';

export const DEFAULT_DATA_DIR = './.data';

export interface StartModeOptions {
  dataDir?: string;
  config?: string;
  demo?: boolean;
}

export interface StartMode {
  paths: DataDirPaths;
  config: AgentConfig;
  /** The site config file, when there is one (the reload-config command re-reads it). */
  configPath?: string;
  demo: boolean;
}

export async function resolveStartMode(options: StartModeOptions, env: NodeJS.ProcessEnv = process.env): Promise<StartMode> {
  const named = options.dataDir ?? env.XACMINH_DATA_DIR;
  const paths = dataDirPaths(named ?? DEFAULT_DATA_DIR);
  const configPath = options.config ?? paths.siteConfig;
  const { config, fromFile } = await loadConfigFile(configPath);
  if (!fromFile && options.config) throw configError(`--config ${options.config}: no such file. Give the path of the site config, or leave --config out`, configPath);
  const demoAsked = options.demo === true || (!fromFile && named === undefined);
  if (demoAsked && wasConfigured(paths)) {
    throw configError(
      `${paths.root} has run as a configured terminal: the demo never runs there (it would write simulated customers into its register). Use another --data-dir for the demo`,
      paths.root,
    );
  }
  if (!fromFile && !demoAsked) throw configError(`no site config in ${paths.root} (${paths.siteConfig}): provision it, or use --demo to run the demo there`, paths.siteConfig);
  if (!fromFile) return { paths, config, demo: true };
  if (demoAsked) {
    if (config.reader.kind !== 'simulated') throw configError(`--demo runs simulated customers, but ${configPath} sets reader to "${config.reader.kind}": leave --demo out to run the site`, configPath);
    return { paths, config, configPath, demo: true };
  }
  const simulated = simulatedField(config);
  if (simulated) {
    throw configError(`${configPath}: ${simulated} is "simulated"${simulated === 'reader' ? ' (the default when the file has no reader)' : ''}: set the real one, or run with --demo`, configPath, simulated);
  }
  return { paths, config, configPath, demo: false };
}

/** A terminal's config may not leave a device simulated; the camera only counts when the face step uses it. */
function simulatedField(config: AgentConfig): 'reader' | 'camera' | undefined {
  if (config.reader.kind === 'simulated') return 'reader';
  if (config.face.enabled && config.camera.kind === 'simulated') return 'camera';
  return undefined;
}

function configError(message: string, path: string, field?: string): XacminhError {
  return new XacminhError('CONFIG_INVALID', message, { path, ...(field ? { field } : {}) });
}
