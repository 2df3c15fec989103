/**
 * The systemd unit that runs the terminal (pure: the same options give the same text). `Type=notify` with a
 * watchdog the agent feeds only while healthy (agent/run/systemd-notify.ts), restart always within a start
 * limit, its own user, the data dir as StateDirectory, and every hardening directive the agent tolerates.
 * Checked by `systemd-analyze verify` and `systemd-analyze security` (exposure ≤ 3.0) in unit.test.ts.
 */
import { isAbsolute, join } from 'node:path';
import { XacminhError } from '../../drivers/errors.ts';

export const SERVICE_NAME = 'xacminh';
export const SERVICE_USER = 'xacminh';
export const DEFAULT_PREFIX = '/opt/xacminh';
export const DEFAULT_DATA_DIR = '/var/lib/xacminh';
/** The groups that own the terminal's devices on Raspberry Pi OS / Debian: camera, GPIO, serial (QR scanner, Firmata). */
export const DEVICE_GROUPS = ['video', 'gpio', 'dialout'] as const;

export interface UnitOptions {
  /** Absolute path of the Node.js that runs the service (its ABI is the one native modules are built for). */
  nodePath: string;
  /** The app is installed in <prefix>/app. */
  prefix?: string;
  /** Must be /var/lib/<StateDirectory>: systemd creates and owns it. */
  dataDir?: string;
  /** The device groups that exist on the machine (see DEVICE_GROUPS); a group systemd cannot resolve fails the start. */
  supplementaryGroups?: readonly string[];
  watchdogSec?: number;
  /** More Environment= (e.g. agent/run/service-env.ts's memory settings), one quoted line each. */
  environment?: Readonly<Record<string, string>>;
  /** Node.js/V8 flags put before the script in ExecStart (agent/run/service-env.ts's SERVICE_NODE_FLAGS). */
  nodeFlags?: readonly string[];
}

/** The unit file's text. */
export function renderServiceUnit(options: UnitOptions): string {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const watchdogSec = options.watchdogSec ?? 30;
  for (const [what, path] of [['node path', options.nodePath], ['prefix', prefix], ['data dir', dataDir]] as const) {
    if (!isAbsolute(path) || /[\s"'\\%$]/.test(path)) throw new XacminhError('INVALID_INPUT', `The ${what} must be an absolute path without spaces, quotes, % or $: ${path}`, { [what]: path });
  }
  const stateDirectory = /^\/var\/lib\/([a-z0-9][a-z0-9._-]*)$/.exec(dataDir)?.[1];
  if (!stateDirectory) throw new XacminhError('INVALID_INPUT', `The service's data dir must be /var/lib/<name> (systemd's StateDirectory): ${dataDir}`, { dataDir });
  const groups = (options.supplementaryGroups ?? []).filter((group) => (DEVICE_GROUPS as readonly string[]).includes(group));
  const main = join(prefix, 'app', 'dist', 'agent', 'cli', 'main.js');
  const extra = Object.entries(options.environment ?? {});
  const flags = options.nodeFlags ?? [];
  for (const flag of flags) {
    if (!/^--[a-z0-9-]+(=[A-Za-z0-9._-]+)?$/.test(flag)) throw new XacminhError('INVALID_INPUT', `Node flag ${flag}: one --name or --name=value without spaces or quotes`, { flag });
  }
  for (const [name, value] of extra) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || /["'\\%$\n]/.test(value)) throw new XacminhError('INVALID_INPUT', `Environment ${name}=${value}: a name in capitals and a value without quotes, backslashes, % or $`, { name });
  }
  return `# Installed by \`xacminh install-service\`; a second run rewrites it (edit with \`systemctl edit xacminh\`).
[Unit]
Description=xacminh identity-verification terminal agent
Documentation=file://${prefix}/app/README.md
Wants=network-online.target pcscd.socket
After=network-online.target pcscd.socket time-sync.target
# At most 5 starts in 10 minutes, then the unit stays failed for a technician to look at.
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=notify
# Only the agent's own process may say READY/WATCHDOG: it sends them itself (unix-dgram), no helper does.
NotifyAccess=main
# Pinged every ${watchdogSec / 2} s, and only while the event loop answers and the register can be written.
WatchdogSec=${watchdogSec}
TimeoutStartSec=120
TimeoutStopSec=30
Restart=always
RestartSec=5
User=${SERVICE_USER}
Group=${SERVICE_USER}
${groups.length ? `SupplementaryGroups=${groups.join(' ')}` : '# No device group (video, gpio, dialout) exists on this machine.'}
StateDirectory=${stateDirectory}
StateDirectoryMode=0700
UMask=0077
WorkingDirectory=${dataDir}
Environment=XACMINH_DATA_DIR=${dataDir} NODE_ENV=production
${extra.map(([name, value]) => `Environment="${name}=${value}"\n`).join('')}ExecStart=${[options.nodePath, ...flags, main].join(' ')} start --data-dir ${dataDir}
SyslogIdentifier=${SERVICE_NAME}

# Hardening. Writable: the StateDirectory only; /tmp is private.
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallFilter=@system-service
# @resources stays allowed: Node raises its open-file limit with setrlimit at start.
SystemCallFilter=~@privileged
SystemCallErrorNumber=EPERM
SystemCallArchitectures=native
# Devices: camera (V4L2), GPIO (character device and the Pi's /dev/gpiomem), serial (USB and the Pi's UART).
DevicePolicy=closed
DeviceAllow=char-video4linux rw
# The Pi camera through libcamera (rpicam-vid): media controller and DMA buffers.
DeviceAllow=char-media rw
DeviceAllow=char-dma_heap rw
DeviceAllow=char-gpiochip rw
DeviceAllow=/dev/gpiomem rw
DeviceAllow=char-ttyUSB rw
DeviceAllow=char-ttyACM rw
DeviceAllow=char-ttyAMA rw
ProtectKernelTunables=yes
# ...except sysfs GPIO: onoff exports pins in /sys/class/gpio and writes gpioN/value, which resolves under
# /sys/devices/platform (file permissions there still limit it to the gpio group).
ReadWritePaths=-/sys/class/gpio -/sys/devices/platform
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
PrivateMounts=yes
PrivateIPC=yes
KeyringMode=private
# Not PrivateUsers=: in a user namespace the device groups (video, gpio, dialout) map to nobody, and the
# camera, GPIO and serial devices become unreadable.
# Not MemoryDenyWriteExecute=: V8's JIT and WebAssembly (the face engine) need writable+executable memory.
# Not ProcSubset=pid: os.cpus() reads /proc/stat and /proc/cpuinfo, and the WASM face engine sizes its
# thread pool from it.
# Not PrivateDevices=: it would hide /dev/video*, /dev/gpiochip* and /dev/tty* (DevicePolicy above limits them).
# Not PrivateNetwork= / IPAddressDeny=: the agent talks to the broker and serves the kiosk page.

[Install]
WantedBy=multi-user.target
`;
}
