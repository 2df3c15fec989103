/** The kiosk and operator pages, served from the agent for the session it runs. */
import { startUiServer, type AlarmSource, type UiServer } from '../ui/server.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { SessionLogger, VerificationSession } from '../session/session.ts';
import { operatorActions, type OperatorRegister } from './operator-actions.ts';

/**
 * `timeZone` is the site config's (config.timeZone): the pages show times in it. `register` (the agent's, once
 * open) records what the operator does to a recorded verification (operator-actions.ts).
 */
export async function startAgentUi(
  session: VerificationSession,
  config: AgentConfig['ui'],
  log: SessionLogger,
  alarms?: AlarmSource,
  timeZone?: string,
  register: () => OperatorRegister | undefined = () => undefined,
): Promise<UiServer> {
  return startUiServer({
    actions: operatorActions(session, register, log),
    host: config.host,
    port: config.port,
    log,
    ...(config.operatorToken ? { operatorToken: config.operatorToken } : {}),
    ...(alarms ? { alarms } : {}),
    ...(timeZone ? { timeZone } : {}),
  });
}
