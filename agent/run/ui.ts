/** The kiosk and operator pages, served from the agent for the session it runs. */
import { startUiServer, type AlarmSource, type NoticeSource, type UiServer } from '../ui/server.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { SessionLogger, VerificationSession } from '../session/session.ts';
import { operatorActions, type OperatorRegister } from './operator-actions.ts';
import type { DayRegister } from '../ui/operator-day.ts';
import type { PreviewSource } from '../ui/preview-route.ts';
import { prepareSpeech } from '../ui/speech.ts';
import { XacminhError } from '../../drivers/errors.ts';

/**
 * `timeZone` is the site config's (config.timeZone): the pages show times in it. `kiosk`: the camera preview
 * tap and, with ui.audio, the folder for the spoken prompts (made before the pages open, cached after).
 * `register` (the agent's, once open) records what the operator does to a recorded verification
 * (operator-actions.ts) and answers the day's list.
 */
export async function startAgentUi(
  session: VerificationSession,
  config: AgentConfig['ui'],
  log: SessionLogger,
  alarms?: AlarmSource,
  timeZone?: string,
  kiosk: { preview?: PreviewSource; audioDir?: string; notice?: NoticeSource } = {},
  register: () => (OperatorRegister & DayRegister) | undefined = () => undefined,
): Promise<UiServer> {
  const audio = config.audio && kiosk.audioDir ? await prepareSpeech({ dir: kiosk.audioDir, log }).catch((error: unknown) => {
    log.warn({ err: error }, 'kiosk: không chuẩn bị được hướng dẫn bằng giọng nói, máy vẫn chạy không có tiếng (spoken prompts unavailable)');
    return undefined; // a silent kiosk, never a kiosk that does not start
  }) : undefined;
  const routes = { ...(kiosk.preview ? { preview: kiosk.preview } : {}), ...(audio ? { audio } : {}) };
  // The register the agent has open when the clerk asks (the pages may outlive a reopen).
  const open = (): DayRegister => register() ?? closed();
  return startUiServer({
    actions: operatorActions(session, register, log),
    day: { search: (query) => open().search(query), countsByDecision: (range) => open().countsByDecision(range) },
    host: config.host,
    port: config.port,
    log,
    ...(config.operatorToken ? { operatorToken: config.operatorToken } : {}),
    ...(alarms ? { alarms } : {}),
    ...(timeZone ? { timeZone } : {}),
    ...(kiosk.notice ? { notice: kiosk.notice } : {}),
    kiosk: routes,
  });
}

function closed(): never {
  throw new XacminhError('STORAGE_FAILED', 'The register is not open', {});
}
