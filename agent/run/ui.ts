/** The kiosk and operator pages, served from the agent for the session it runs. */
import { startUiServer, type AlarmSource, type UiServer } from '../ui/server.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { SessionLogger, VerificationSession } from '../session/session.ts';

export async function startAgentUi(session: VerificationSession, config: AgentConfig['ui'], log: SessionLogger, alarms?: AlarmSource): Promise<UiServer> {
  return startUiServer({ actions: session, host: config.host, port: config.port, log, ...(config.operatorToken ? { operatorToken: config.operatorToken } : {}), ...(alarms ? { alarms } : {}) });
}
