/**
 * Picks the indicators for this machine from the site config: a Firmata board when one is configured, the
 * host's GPIO when it has some, otherwise a logging stand-in. A terminal without lights still verifies, so a
 * missing board is a warning (GPIO_UNAVAILABLE / SERIAL_UNAVAILABLE in the evidence), never a crash.
 */
import { XacminhError, isXacminhError } from '../errors.ts';
import { FirmataIndicators, type FirmataIndicatorsConfig } from './firmata.ts';
import { GpioIndicators, onoffAccessible, type GpioFactory, type GpioIndicatorsConfig } from './gpio.ts';
import type { IndicatorLog, Indicators } from './indicators.ts';
import { LoggingIndicators } from './logging.ts';

export interface IndicatorsConfig extends Partial<GpioIndicatorsConfig> {
  /** Use a Firmata board on this serial port instead of the host's GPIO. */
  firmata?: Omit<FirmataIndicatorsConfig, 'pins' | 'relayPulseMs' | 'activeLow' | 'buttonActiveLow'>;
}

export interface OpenIndicatorsDeps {
  gpioAccessible?: () => boolean;
  gpioFactory?: GpioFactory;
}

export async function openIndicators(config: IndicatorsConfig, log: IndicatorLog, deps: OpenIndicatorsDeps = {}): Promise<Indicators> {
  const pins = config.pins ?? {};
  const settings = { pins, relayPulseMs: config.relayPulseMs, activeLow: config.activeLow, buttonActiveLow: config.buttonActiveLow };
  if (config.firmata) {
    try {
      const board = await FirmataIndicators.open({ ...config.firmata, ...settings }, log);
      log('info', `indicators: Firmata board on ${config.firmata.path}`, { pins });
      return board;
    } catch (error) {
      return fallback(log, error, 'SERIAL_UNAVAILABLE');
    }
  }
  if (Object.keys(pins).length === 0) {
    log('info', 'indicators: no pins configured, signals are only logged');
    return new LoggingIndicators(log);
  }
  if (!(deps.gpioAccessible ?? onoffAccessible)()) {
    const error = new XacminhError('GPIO_UNAVAILABLE', 'This machine has no GPIO (/sys/class/gpio): lights, buzzer and relay are off, signals are only logged', { pins });
    return fallback(log, error, 'GPIO_UNAVAILABLE');
  }
  try {
    const gpio = new GpioIndicators({ ...settings, pins }, log, deps.gpioFactory);
    log('info', 'indicators: GPIO', { pins });
    return gpio;
  } catch (error) {
    return fallback(log, error, 'GPIO_UNAVAILABLE');
  }
}

function fallback(log: IndicatorLog, error: unknown, code: 'GPIO_UNAVAILABLE' | 'SERIAL_UNAVAILABLE'): LoggingIndicators {
  const known = isXacminhError(error) ? error : new XacminhError(code, String(error), {}, { cause: error });
  log('warn', `indicators unavailable, falling back to logging: ${known.message}`, { code: known.code, ...known.evidence });
  return new LoggingIndicators(log);
}
