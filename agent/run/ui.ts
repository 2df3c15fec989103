/** The kiosk and operator pages, served from the agent for the session it runs. */
import { startUiServer, type AlarmSource, type UiServer } from '../ui/server.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { SessionLogger, VerificationSession } from '../session/session.ts';

/** `timeZone` is the site config's (config.timeZone): the pages show times in it. */
export async function startAgentUi(session: VerificationSession, config: AgentConfig['ui'], log: SessionLogger, alarms?: AlarmSource, timeZone?: string): Promise<UiServer> {
  return startUiServer({ actions: session, host: config.host, port: config.port, log, ...(config.operatorToken ? { operatorToken: config.operatorToken } : {}), ...(alarms ? { alarms } : {}), ...(timeZone ? { timeZone } : {}) });
}
