/**
 * Which descriptor variants bench/face-accuracy computes: `--variants box,align+flip,faceres` names a subset of
 * RESNET_VARIANTS (the crop forms, faceres-on-chip forms included) plus `faceres` for Human's own faceres rows.
 * Each variant costs one or more model passes per image, so a large set (LFW View-2: 3,811 images) runs only the
 * ones it needs. No option = every variant and faceres, as before.
 */
import { XacminhError } from '../../drivers/errors.ts';
import { RESNET_VARIANTS, type ResnetVariant } from './lab.ts';

/** The name that selects Human's faceres descriptor on Human's own crop (computed during detection). */
export const HUMAN_FACERES = 'faceres';

export interface VariantChoice {
  resnet: ResnetVariant[];
  /** Human's faceres on its own crop (the "faceres" rows and their fusions). */
  humanFaceres: boolean;
  /** The faceres model has to be loaded: Human's own rows or a faceres-on-chip variant. */
  loadFaceres: boolean;
}

const ALL = Object.keys(RESNET_VARIANTS) as ResnetVariant[];
const isResnetVariant = (name: string): name is ResnetVariant => Object.hasOwn(RESNET_VARIANTS, name);

/** Parses a comma-separated `--variants` value (undefined = all), refusing an unknown name with the list of known ones. */
export function chooseVariants(spec: string | undefined): VariantChoice {
  if (spec === undefined) return { resnet: [...ALL], humanFaceres: true, loadFaceres: true };
  const names = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!names.length) throw new XacminhError('INVALID_INPUT', `--variants names no variant; known: ${[...ALL, HUMAN_FACERES].join(', ')}`, { field: 'variants' });
  const unknown = names.filter((n) => n !== HUMAN_FACERES && !isResnetVariant(n));
  if (unknown.length) {
    throw new XacminhError('INVALID_INPUT', `--variants: unknown ${unknown.join(', ')}; known: ${[...ALL, HUMAN_FACERES].join(', ')}`, { field: 'variants', unknown });
  }
  // In RESNET_VARIANTS order (the table's order), each once.
  const resnet = ALL.filter((v) => names.includes(v));
  const humanFaceres = names.includes(HUMAN_FACERES);
  const loadFaceres = humanFaceres || resnet.some((v) => (RESNET_VARIANTS[v] as { model?: string }).model === 'faceres');
  return { resnet, humanFaceres, loadFaceres };
}

/** A whole-number option ≥ `min`, or a clear refusal naming it. */
export function wholeNumberOption(name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isInteger(n) && n >= min)) throw new XacminhError('INVALID_INPUT', `--${name} must be a whole number ≥ ${min}, got "${value}"`, { field: name });
  return n;
}
