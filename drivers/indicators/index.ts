export type { Indicators, IndicatorLog, IndicatorSignal, Output, PressEvent } from './indicators.ts';
export { PatternIndicators } from './indicators.ts';
export { SIGNALS, OUTPUTS, patternFor, type Pattern, type Step } from './patterns.ts';
export { GpioIndicators, onoffAccessible, type GpioIndicatorsConfig, type GpioPins, type GpioFactory, type GpioLike } from './gpio.ts';
export { FirmataIndicators, type FirmataIndicatorsConfig } from './firmata.ts';
export { RecordingIndicators, type PinWrite } from './recording.ts';
export { LoggingIndicators } from './logging.ts';
export { openIndicators, type IndicatorsConfig, type OpenIndicatorsDeps } from './open.ts';
