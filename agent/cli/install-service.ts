/**
 * `xacminh install-service`: the terminal as a systemd service (provisioning/service/). `--print` shows the
 * unit and touches nothing; a second run upgrades in place and keeps the data dir.
 */
import { spawnSync } from 'node:child_process';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { isXacminhError } from '../../drivers/errors.ts';
import { installService } from '../../provisioning/service/install.ts';
import { migrateSiteConfigFile } from '../config/migrate.ts';
import { existingDeviceGroups } from '../../provisioning/service/system-setup.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PREFIX, renderServiceUnit } from '../../provisioning/service/unit.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../run/service-env.ts';

export interface InstallServiceOptions {
  print?: boolean;
  prefix?: string;
  root?: string;
  systemctl?: boolean;
  dataDir?: string;
  node?: string;
  from?: string;
}

/** The first Node.js major that is not end of life (Node 20 reached it on 2026-04-30). */
export const SUPPORTED_NODE_MAJOR = 22;

/** The checkout this command runs from: the repo root, also when run compiled from <checkout>/dist. */
export function checkoutDir(): string {
  const up = resolve(import.meta.dirname, '../..');
  return basename(up) === 'dist' ? resolve(up, '..') : up;
}

/** Technician's notice (Vietnamese, then English) when the service's Node.js is older than 22; null otherwise. */
export function nodeVersionNotice(version: string): string | null {
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (!Number.isFinite(major) || major >= SUPPORTED_NODE_MAJOR) return null;
  return [
    `! Node.js ${version} đã hết hạn hỗ trợ (Node 20: 30/04/2026). Máy đang phục vụ nên chạy Node 24 LTS. Trên Raspberry Pi OS (quyền root):`,
    '    curl -fsSL https://deb.nodesource.com/setup_24.x | bash - && apt-get install -y nodejs',
    '  rồi chạy lại `xacminh install-service`: lệnh này biên dịch lại các mô-đun gốc (better-sqlite3, pcsclite, epoll, serialport, unix-dgram) cho Node.js mới.',
    `! Node.js ${version} is end of life (Node 20 since 2026-04-30); a terminal in service runs Node 24 LTS. On Raspberry Pi OS, as root:`,
    '    curl -fsSL https://deb.nodesource.com/setup_24.x | bash - && apt-get install -y nodejs',
    '  then run `xacminh install-service` again: it rebuilds the native modules (npm rebuild in <prefix>/app) for the Node.js that runs the service.',
  ].join('\n');
}

function versionOf(nodePath: string): string {
  if (nodePath === process.execPath) return process.version;
  const result = spawnSync(nodePath, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}


export async function installServiceCommand(options: InstallServiceOptions): Promise<number> {
  const nodePath = resolve(options.node ?? process.execPath);
  const notice = nodeVersionNotice(versionOf(nodePath));
  try {
    if (options.print) {
      process.stdout.write(
        renderServiceUnit({ nodePath, prefix: options.prefix ?? DEFAULT_PREFIX, dataDir: options.dataDir ?? DEFAULT_DATA_DIR, supplementaryGroups: existingDeviceGroups(), environment: SERVICE_ENVIRONMENT, nodeFlags: SERVICE_NODE_FLAGS }),
      );
      if (notice) process.stderr.write(`${notice}\n`);
      return 0;
    }
    if (notice) process.stdout.write(`${notice}\n`);
    const result = await installService({
      sourceDir: resolve(options.from ?? checkoutDir()),
      nodePath,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.root ? { root: resolve(options.root) } : {}),
      systemctl: options.systemctl !== false,
      migrate: migrateSiteConfigFile,
      environment: SERVICE_ENVIRONMENT,
      nodeFlags: SERVICE_NODE_FLAGS,
      say: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(
      result.started
        ? 'Xong. Xem trạng thái: systemctl status xacminh · nhật ký: journalctl -u xacminh -f — done: check `systemctl status xacminh` and `journalctl -u xacminh`\n'
        : 'Xong (chưa khởi động dịch vụ) — done (service not started).\n',
    );
    return 0;
  } catch (error) {
    // For the technician: what failed in Vietnamese, then the specific cause (English).
    const notRoot = isXacminhError(error) && error.code === 'INVALID_INPUT';
    process.stderr.write(`xacminh install-service: ${notRoot ? 'cần chạy với quyền root (sudo).' : 'cài đặt dịch vụ không thành công; dịch vụ cũ (nếu có) vẫn giữ nguyên dữ liệu.'}\n`);
    process.stderr.write(`xacminh install-service: ${isXacminhError(error) ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error)}\n`);
    return isXacminhError(error) && error.code === 'INVALID_INPUT' ? 2 : 1;
  }
}

export function registerInstallServiceCommand(program: Command): Command {
  return program
    .command('install-service')
    .description('Install (or upgrade in place) the terminal as the systemd service xacminh: system user, app in <prefix>/app, unit, pcscd polkit rule; the data dir is kept')
    .option('--print', 'write the systemd unit to stdout and install nothing')
    .option('--prefix <dir>', 'where the app goes (<prefix>/app)', DEFAULT_PREFIX)
    .option('--data-dir <dir>', 'the data dir, /var/lib/<name> (systemd StateDirectory)', DEFAULT_DATA_DIR)
    .option('--node <path>', 'the Node.js that runs the service (default: this one)')
    .option('--from <dir>', 'the built checkout to install (default: the one this command runs from)')
    .option('--root <dir>', 'write everything under this folder instead of / (no user, no systemctl)')
    .option('--no-systemctl', 'do not run systemctl daemon-reload / enable --now')
    .addHelpText('after', '\nAfterwards: systemctl status xacminh · journalctl -u xacminh -f\nExit status: 0 done, 1 failed, 2 bad input (e.g. not root).')
    .action(async (options: InstallServiceOptions) => {
      process.exitCode = await installServiceCommand(options);
    });
}
