/**
 * What install-service changes in the system besides files: the service user, data dir ownership, and
 * systemctl. Each step reads the machine first, so a second run changes nothing that is already right.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { DEVICE_GROUPS, SERVICE_NAME, SERVICE_USER } from './unit.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { run, type Say } from './app-install.ts';

/** The device groups (video, gpio, dialout) that exist in `<root>/etc/group`. */
export function existingDeviceGroups(root = '/'): string[] {
  let text = '';
  try {
    text = fs.readFileSync(join(root, 'etc', 'group'), 'utf8');
  } catch {
    return [];
  }
  const names = new Set(text.split('\n').map((line) => line.split(':')[0]));
  return DEVICE_GROUPS.filter((group) => names.has(group));
}

export interface ServiceAccount {
  uid: number;
  gid: number;
}

/** The service user's uid and gid from `<root>/etc/passwd`, or null when it does not exist. */
export function serviceAccount(root = '/', user = SERVICE_USER): ServiceAccount | null {
  let text = '';
  try {
    text = fs.readFileSync(join(root, 'etc', 'passwd'), 'utf8');
  } catch {
    return null;
  }
  const fields = text.split('\n').map((line) => line.split(':')).find((f) => f[0] === user);
  return fields ? { uid: Number(fields[2]), gid: Number(fields[3]) } : null;
}

/**
 * Creates the system user (no login, home = data dir) or adds the device groups it lacks. Under another
 * root (an image being prepared) useradd --prefix edits that root's /etc instead of this machine's.
 */
export function ensureServiceUser(root: string, dataDir: string, groups: readonly string[], say: Say): ServiceAccount {
  const prefix = root === '/' ? [] : ['--prefix', root];
  if (!serviceAccount(root)) {
    run('useradd', [...prefix, '--system', '--user-group', '--home-dir', dataDir, '--no-create-home', '--shell', '/usr/sbin/nologin', ...(groups.length ? ['--groups', groups.join(',')] : []), SERVICE_USER]);
    say(`Đã tạo người dùng hệ thống ${SERVICE_USER} — created the system user ${SERVICE_USER}${groups.length ? ` (groups ${groups.join(', ')})` : ''}`);
  } else if (groups.length) {
    run('usermod', [...prefix, '--append', '--groups', groups.join(','), SERVICE_USER]);
  }
  const account = serviceAccount(root);
  if (!account) throw new XacminhError('STORAGE_FAILED', `useradd reported success but ${SERVICE_USER} is not in ${join(root, 'etc', 'passwd')}`, { root });
  return account;
}

/**
 * The data dir: 0700, owned by the service user throughout (a provisioning run as root left root's files),
 * the identity key 0600. Symlinks are not followed.
 */
export function secureDataDir(dataDir: string, account: ServiceAccount | null, keyPath: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  if (fs.existsSync(keyPath)) fs.chmodSync(keyPath, 0o600);
  if (!account) return;
  const walk = (path: string) => {
    fs.lchownSync(path, account.uid, account.gid);
    if (fs.lstatSync(path).isDirectory()) for (const name of fs.readdirSync(path)) walk(join(path, name));
  };
  walk(dataDir);
}

/** systemd is the running init (sd_booted(3)): /run/systemd/system exists. */
export function systemdRunning(): boolean {
  return fs.existsSync('/run/systemd/system');
}

/** Stops the running service before an upgrade touches its data dir; absent or stopped is fine. */
export function stopService(): void {
  spawnSync('systemctl', ['stop', SERVICE_NAME], { stdio: 'ignore' });
}

/** Best effort after a failed upgrade: systemd reload and start whatever is installed. */
export function startServiceQuietly(): void {
  spawnSync('systemctl', ['daemon-reload'], { stdio: 'ignore' });
  spawnSync('systemctl', ['start', SERVICE_NAME], { stdio: 'ignore' });
}

export function enableAndStart(say: Say): void {
  run('systemctl', ['daemon-reload']);
  run('systemctl', ['enable', '--now', SERVICE_NAME]);
  say(`Dịch vụ đã bật và đang chạy — service enabled and started: systemctl status ${SERVICE_NAME}`);
}
