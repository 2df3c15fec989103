/**
 * pcscd on Debian / Raspberry Pi OS asks polkit whether a client may use the reader and the card; by default
 * only an active local session may, and a system service has none. This rule lets the service user in for
 * exactly those two actions.
 */
import { SERVICE_USER } from './unit.ts';

export const POLKIT_RULE_PATH = '/etc/polkit-1/rules.d/50-xacminh-pcscd.rules';
export const PCSC_ACTIONS = ['org.debian.pcsc-lite.access_pcsc', 'org.debian.pcsc-lite.access_card'] as const;

export function renderPolkitRule(user: string = SERVICE_USER): string {
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new Error(`not a system user name: ${user}`);
  return `// Installed by \`xacminh install-service\`: pcscd serves the terminal agent's service user.
polkit.addRule(function (action, subject) {
  if ((${PCSC_ACTIONS.map((id) => `action.id === "${id}"`).join(' || ')}) && subject.user === "${user}") {
    return polkit.Result.YES;
  }
});
`;
}
