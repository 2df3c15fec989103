/**
 * The terminal's own devices around the session: lights, buzzer and relay (any failure falls back to
 * logging, a terminal without lights still verifies), and the QR/MRZ scanner feeding access keys.
 */
import { openIndicators, type Indicators } from '../../drivers/indicators/index.ts';
import { SerialScanner, type AccessKeyEvent, type FaultEvent, type RejectedEvent, type SerialScannerOptions } from '../../drivers/scanner/index.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { VerificationSession, SessionLogger } from '../session/session.ts';
import type { AgentPart } from './orchestrator.ts';

export async function openAgentIndicators(config: AgentConfig, log: SessionLogger): Promise<Indicators> {
  return openIndicators({ pins: config.indicators.pins, activeLow: config.indicators.activeLow, relayPulseMs: config.indicators.relayPulseMs }, (level, message, evidence) =>
    log[level](evidence ?? {}, message),
  );
}

/** `binding`: the serial binding (the platform's by default; a mock in tests). */
export function openAgentScanner(
  config: NonNullable<AgentConfig['scanner']>,
  session: Pick<VerificationSession, 'provideAccessKey'>,
  log: SessionLogger,
  binding?: SerialScannerOptions['binding'],
): AgentPart {
  const scanner = new SerialScanner({ path: config.path, baudRate: config.baudRate, framing: config.framing, ...(binding ? { binding } : {}) });
  scanner.on('accessKey', (event: AccessKeyEvent) => {
    try {
      session.provideAccessKey(event.key);
    } catch (error) {
      // BUSY: a scan while a verification is past its key step; the operator sees the page, the log says why.
      log.warn({ code: isXacminhError(error) ? error.code : 'INTERNAL' }, `scanner: ${(error as Error).message}`);
    }
  });
  scanner.on('rejected', (event: RejectedEvent) => log.warn({ code: event.error.code }, `scanner: ${event.error.message}`));
  scanner.on('fault', (event: FaultEvent) => log.warn({ code: event.error.code }, `scanner: ${event.error.message}`));
  return { name: 'QR scanner', start: () => scanner.start(), stop: () => scanner.stop() };
}
