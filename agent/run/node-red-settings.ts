/**
 * Node-RED's settings for the terminal, as a security reviewer expects them (issue 16): the editor and admin
 * API behind the technician accounts with 8-hour sessions, a per-device credentialSecret, no installs from
 * npm, no modules in function nodes, no nodes that run programs, touch files or open listeners, no
 * telemetry, projects, tours or diagnostics, and no HTTP-in endpoints unless the site enables them.
 */
import type { RuntimeOptions } from './node-red-protocol.ts';

export const SESSION_EXPIRY_SECONDS = 8 * 60 * 60;

/**
 * Core node files left out (Node-RED matches these file names): exec runs programs, file/watch read and
 * write the data dir, tcp/udp open listeners on every interface.
 */
export const EXCLUDED_NODE_FILES = ['90-exec.js', '10-file.js', '23-watch.js', '31-tcpin.js', '32-udp.js'] as const;

export interface AuthHooks {
  /** The technician when the password is right; null otherwise (no other role opens the editor). */
  authenticate(username: string, password: string): Promise<string | null>;
  /** Whether `username` is still a technician (a token outlives nothing the accounts file took away). */
  isTechnician(username: string): Promise<boolean>;
}

export function nodeRedSettings(runtime: RuntimeOptions, auth: AuthHooks, bridge: unknown): Record<string, unknown> {
  const user = (username: string) => ({ username, permissions: '*' });
  return {
    userDir: runtime.userDir,
    // Named explicitly: the default flows_<hostname>.json loses the flows when the hostname changes.
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: runtime.credentialSecret,
    uiHost: '127.0.0.1',
    uiPort: runtime.port,
    httpAdminRoot: '/',
    httpNodeRoot: runtime.httpNodeEnabled ? '/endpoints' : false,
    adminAuth: {
      type: 'credentials',
      sessionExpiryTime: SESSION_EXPIRY_SECONDS,
      users: async (username: string) => ((await auth.isTechnician(username)) ? user(username) : null),
      authenticate: async (username: string, password: string) => {
        const name = await auth.authenticate(username, password);
        return name ? user(name) : null;
      },
    },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpdate: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    nodesExcludes: [...EXCLUDED_NODE_FILES],
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { projects: { enabled: false }, tours: false, page: { title: 'xacminh — cấu hình cơ sở' }, header: { title: 'xacminh — cấu hình cơ sở (site flows)' } },
    // Counts for the daily summary survive a restart of the runtime in the "file" store.
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    // The nodes reach the agent through this (flows/nodes/*.js read RED.settings.xacminh).
    xacminh: bridge,
  };
}
