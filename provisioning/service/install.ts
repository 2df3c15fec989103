/**
 * `xacminh install-service`: installs (or upgrades in place) the terminal as a systemd service. The data dir
 * is kept: the register, its outbox and the identity stay as they are; only the site config is migrated.
 * With `root`, everything is written under that folder and the system itself is not touched (tests, images).
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { dataDirPaths } from '../../agent/datadir.ts';
import { ensureBuilt, stageApp, swapInApp, type Say } from './app-install.ts';
import { COMMAND_PATH, renderCommandWrapper } from './command-wrapper.ts';
import { POLKIT_RULE_PATH, renderPolkitRule } from './polkit.ts';
import { enableAndStart, ensureServiceUser, existingDeviceGroups, secureDataDir, startServiceQuietly, stopService, systemdRunning } from './system-setup.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PREFIX, renderServiceUnit, SERVICE_NAME, SERVICE_USER } from './unit.ts';

export const UNIT_PATH = `/etc/systemd/system/${SERVICE_NAME}.service`;

/** agent/config/migrate.ts's migrateSiteConfigFile: migrates site.json in place (keeping a backup); undefined when absent. */
export type SiteConfigFileMigrator = (path: string) => { from: number; to: number; changed: boolean; backup?: string } | undefined;

export interface InstallOptions {
  /** The built checkout to install from. */
  sourceDir: string;
  prefix?: string;
  dataDir?: string;
  /** Write everything under this folder (useradd --prefix when it has an /etc/passwd); no systemctl. */
  root?: string;
  systemctl?: boolean;
  nodePath?: string;
  migrate?: SiteConfigFileMigrator;
  /** Environment= of the unit besides XACMINH_DATA_DIR and NODE_ENV (agent/run/service-env.ts). */
  environment?: Readonly<Record<string, string>>;
  /** Node.js flags of ExecStart (agent/run/service-env.ts). */
  nodeFlags?: readonly string[];
  /** Whether this process may change the system (root); injectable for tests. */
  isRoot?: boolean;
  say: Say;
}

export interface InstallResult {
  appDir: string;
  unitPath: string;
  rebuilt: string[];
  siteConfig: 'absent' | 'migrated' | 'current' | 'not migrated';
  started: boolean;
}

export async function installService(options: InstallOptions): Promise<InstallResult> {
  const { say } = options;
  const root = options.root ?? '/';
  const under = (path: string) => join(root, path);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const nodePath = options.nodePath ?? process.execPath;
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  if (!options.root && !isRoot) {
    throw new XacminhError('INVALID_INPUT', 'install-service changes the system (a user, /etc/systemd, /opt): run it as root, e.g. sudo xacminh install-service (or --print to see the unit, --root DIR to stage the files)', {});
  }
  const groups = existingDeviceGroups(root);
  const unit = renderServiceUnit({ nodePath, prefix, dataDir, supplementaryGroups: groups, ...(options.environment ? { environment: options.environment } : {}), ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}) });

  ensureBuilt(options.sourceDir, say);
  const useSystemctl = !options.root && options.systemctl !== false;
  const systemd = useSystemctl && systemdRunning();

  // Under --root: a user only where that root has an /etc/passwd (an image), and only as root.
  const canManageUsers = isRoot && fs.existsSync(under('etc/passwd'));
  if (options.root && !canManageUsers) say(`Không tạo người dùng ${SERVICE_USER} (không có ${under('etc/passwd')} hoặc không phải root) — user not created under --root`);
  const account = canManageUsers ? ensureServiceUser(root, dataDir, groups, say) : null;
  const appDir = under(join(prefix, 'app'));
  fs.mkdirSync(under(prefix), { recursive: true, mode: 0o755 });
  // Everything slow happens while the old service still runs; it is stopped only for the swap.
  const { rebuilt } = stageApp({ sourceDir: options.sourceDir, appDir, nodePath, say });

  if (systemd) stopService();
  let siteConfig: InstallResult['siteConfig'];
  const unitPath = under(UNIT_PATH);
  try {
    swapInApp(appDir, say);
    writeFileAtomicSync(unitPath, unit, 0o644, { keepMode: false });
    writeFileAtomicSync(under(POLKIT_RULE_PATH), renderPolkitRule(), 0o644, { keepMode: false });
    writeFileAtomicSync(under(COMMAND_PATH), renderCommandWrapper({ nodePath, prefix, dataDir, ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}) }), 0o755, { keepMode: false });
    say(`Đã cài ${UNIT_PATH}, quy tắc polkit cho pcscd và lệnh ${COMMAND_PATH} — unit, pcscd polkit rule and the ${COMMAND_PATH} command installed`);
    const paths = dataDirPaths(under(dataDir));
    siteConfig = migrateSiteConfig(paths.siteConfig, options.migrate, say);
    secureDataDir(paths.root, account, paths.deviceKey);
  } catch (error) {
    // Whatever is in place now (the old app, or the new one) runs again rather than leaving the terminal down.
    if (systemd) startServiceQuietly();
    throw error;
  }

  let started = false;
  if (!useSystemctl) say('Không gọi systemctl (--no-systemctl / --root) — systemctl not run: systemctl daemon-reload && systemctl enable --now xacminh');
  else if (!systemd) say('systemd không chạy trên máy này (container?) — systemd is not running here: the files are installed; on the terminal run systemctl daemon-reload && systemctl enable --now xacminh');
  else {
    enableAndStart(say);
    started = true;
  }
  return { appDir, unitPath, rebuilt, siteConfig, started };
}

/** The site config brought to the current version before the new agent starts (the register and outbox need nothing). */
function migrateSiteConfig(path: string, migrate: SiteConfigFileMigrator | undefined, say: Say): InstallResult['siteConfig'] {
  if (!fs.existsSync(path)) return 'absent';
  if (!migrate) {
    say('Chưa có bộ chuyển đổi cấu hình — site config kept as it is (no migrator in this build)');
    return 'not migrated';
  }
  const result = migrate(path);
  if (!result) return 'absent';
  if (!result.changed) return 'current';
  say(`Đã chuyển cấu hình điểm từ phiên bản ${result.from} lên ${result.to} — site config migrated v${result.from} → v${result.to}${result.backup ? ` (the old one kept as ${result.backup})` : ''}`);
  return 'migrated';
}
