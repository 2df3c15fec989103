/**
 * /usr/local/bin/xacminh on an installed terminal: the README's commands (`xacminh provision status`,
 * `xacminh self-test`, `xacminh register verify`) run the installed build with the service's Node.js and data
 * dir. Run as root, everything but the commands that must change the system runs as the service user: the
 * files it writes (self-test reports) stay the agent's, and self-test meets the reader, camera and GPIO with
 * exactly the rights the service has.
 */
import { SERVICE_USER } from './unit.ts';

export const COMMAND_PATH = '/usr/local/bin/xacminh';

/** Commands that need root: system files, or ownership they hand back themselves. */
const ROOT_COMMANDS = ['install-service', 'provision', 'enrol-service'];

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export function renderCommandWrapper(options: { nodePath: string; prefix: string; dataDir: string; nodeFlags?: readonly string[] }): string {
  const entry = `${options.prefix}/app/dist/agent/cli/main.js`;
  const flags = (options.nodeFlags ?? []).map(quote).join(' ');
  return `#!/bin/sh
# Installed by \`xacminh install-service\`: the terminal's command, on the installed build.
export XACMINH_DATA_DIR="\${XACMINH_DATA_DIR:-${options.dataDir}}"
case "\${1:-}" in
  ${ROOT_COMMANDS.join('|')}) ;;
  *) if [ "$(id -u)" = 0 ] && id ${SERVICE_USER} >/dev/null 2>&1; then exec runuser -u ${SERVICE_USER} -- "$0" "$@"; fi ;;
esac
exec ${quote(options.nodePath)}${flags ? ` ${flags}` : ''} ${quote(entry)} "$@"
`;
}
