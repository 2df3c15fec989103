/** The kiosk and operator pages, served from the agent for the session it runs. */
import { startUiServer, type AlarmSource, type UiServer } from '../ui/server.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { SessionLogger, VerificationSession } from '../session/session.ts';
import type { PreviewSource } from '../ui/preview-route.ts';
import { prepareSpeech } from '../ui/speech.ts';

/**
 * `timeZone` is the site config's (config.timeZone): the pages show times in it. `kiosk`: the camera preview
 * tap and, with ui.audio, the folder for the spoken prompts (made before the pages open, cached after).
 */
export async function startAgentUi(
  session: VerificationSession,
  config: AgentConfig['ui'],
  log: SessionLogger,
  alarms?: AlarmSource,
  timeZone?: string,
  kiosk: { preview?: PreviewSource; audioDir?: string } = {},
): Promise<UiServer> {
  const audio = config.audio && kiosk.audioDir ? await prepareSpeech({ dir: kiosk.audioDir, log }).catch((error: unknown) => {
    log.warn({ err: error }, 'kiosk: không chuẩn bị được hướng dẫn bằng giọng nói, máy vẫn chạy không có tiếng (spoken prompts unavailable)');
    return undefined; // a silent kiosk, never a kiosk that does not start
  }) : undefined;
  const routes = { ...(kiosk.preview ? { preview: kiosk.preview } : {}), ...(audio ? { audio } : {}) };
  return startUiServer({ actions: session, host: config.host, port: config.port, log, ...(config.operatorToken ? { operatorToken: config.operatorToken } : {}), ...(alarms ? { alarms } : {}), ...(timeZone ? { timeZone } : {}), kiosk: routes });
}
