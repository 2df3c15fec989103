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
  if (!fromFile && options.config) {
    throw configError(`--config ${options.config}: no such file. Give the path of the site config, or leave --config out`, configPath, {
      vi: `Không có tệp cấu hình ${options.config}: kiểm tra đường dẫn sau --config, hoặc bỏ --config.`,
    });
  }
  const demoAsked = options.demo === true || (!fromFile && named === undefined);
  if (demoAsked && wasConfigured(paths)) {
    throw configError(
      `${paths.root} has run as a configured terminal: the demo never runs there (it would write simulated customers into its register). Use another --data-dir for the demo`,
      paths.root,
      { vi: `${paths.root} đã từng chạy như một máy đã cấu hình: không chạy demo ở đây (demo sẽ ghi khách hàng giả vào sổ đăng ký). Dùng một --data-dir khác cho demo.` },
    );
  }
  if (!fromFile && !demoAsked) {
    throw configError(`no site config in ${paths.root} (${paths.siteConfig}): provision it, or use --demo to run the demo there`, paths.siteConfig, {
      vi: `Không có cấu hình điểm (site.json) trong ${paths.root}: hãy cài đặt máy trước, hoặc dùng --demo để chạy demo ở đó.`,
    });
  }
  if (!fromFile) return { paths, config, demo: true };
  if (demoAsked) {
    if (config.reader.kind !== 'simulated') {
      throw configError(`--demo runs simulated customers, but ${configPath} sets reader to "${config.reader.kind}": leave --demo out to run the site`, configPath, {
        vi: `--demo chạy khách hàng mô phỏng, nhưng ${configPath} đặt đầu đọc (reader) là "${config.reader.kind}": bỏ --demo để chạy máy thật.`,
      });
    }
    return { paths, config, configPath, demo: true };
  }
  const simulated = simulatedField(config);
  if (simulated) {
    throw configError(`${configPath}: ${simulated} is "simulated"${simulated === 'reader' ? ' (the default when the file has no reader)' : ''}: set the real one, or run with --demo`, configPath, {
      field: simulated,
      vi: `${configPath}: ${simulated === 'reader' ? 'đầu đọc thẻ (reader)' : 'camera'} đang là thiết bị mô phỏng ("simulated"${simulated === 'reader' ? ', mặc định khi tệp không ghi reader' : ''}): khai báo thiết bị thật, hoặc chạy với --demo.`,
    });
  }
  return { paths, config, configPath, demo: false };
}

/** A terminal's config may not leave a device simulated; the camera only counts when the face step uses it. */
function simulatedField(config: AgentConfig): 'reader' | 'camera' | undefined {
  if (config.reader.kind === 'simulated') return 'reader';
  if (config.face.enabled && config.camera.kind === 'simulated') return 'camera';
  return undefined;
}

/** `vi` is the first line `xacminh start` prints (stderr): the operator's language, with the specific cause. */
function configError(message: string, path: string, detail: { vi: string; field?: string }): XacminhError {
  return new XacminhError('CONFIG_INVALID', message, { path, linesVi: [detail.vi], ...(detail.field ? { field: detail.field } : {}) });
}
