/**
 * `xacminh face-calibrate DIR`: the ROC of the face match on a folder-per-person set (one folder of photos per
 * person), through the same embedding path as a verification; writes the thresholds for FAR 1 %, 0.1 % and
 * 0.01 % with TAR and EER to a calibration JSON (default models/calibration/default.json, the one the face
 * step reads), so a site can re-calibrate on its own chip-photo-vs-camera data.
 */
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { XacminhError } from '../../drivers/errors.ts';
import { calibrate } from '../../models/calibrate.ts';
import { calibrationPathFor, FACE_MODEL_ENV } from '../../models/embedder.ts';
import { DEFAULT_CALIBRATION_PATH, type Calibration } from '../../models/threshold.ts';
import { processIo, runCommandCli, type CliIo } from './cli-io.ts';

export interface FaceCalibrateOptions {
  out?: string;
  flip?: string;
  far?: string;
  maxPeople?: string;
  cache?: string;
  json?: boolean;
}

interface TwoProbeSummary {
  operatingPoints: { targetFar: number; threshold: number; far: number; tar: number }[];
  atSingleImageThreshold: { far: number; tar: number };
}

export type FaceCalibrateIo = CliIo;

export function registerFaceCalibrateCommand(program: Command): Command {
  return program
    .command('face-calibrate')
    .description('Calibrate the face-match threshold on a folder-per-person photo set; writes thresholds for FAR 1 %, 0.1 %, 0.01 % with TAR and EER')
    .argument('<dir>', "one folder of JPEG photos per person (at least two people, two or more photos each); with each person's chip photo as chip.jpg or chip.jp2, only chip photo vs camera picture pairs are scored")
    .option('--out <file>', `calibration JSON to write (default: the provisioned model's calibration file when ${FACE_MODEL_ENV} names one, else ${relative(process.cwd(), DEFAULT_CALIBRATION_PATH)})`)
    .option('--flip <mode>', 'mirror-average the descriptors: on, off, or auto (lower EER wins)', 'on')
    .option('--far <rate>', 'the false-accept rate whose threshold the face step uses', '0.001')
    .option('--max-people <n>', 'only the first N people (name order), for a quick run')
    .option('--cache <file>', 'descriptor cache: read when it exists (same model and set), else written after embedding — to re-run without embedding again')
    .option('--json', 'print the calibration JSON instead of the summary')
    .addHelpText('after', '\nExit status: 0 written, 1 error, 2 bad input.')
    .action(async (dir: string, options: FaceCalibrateOptions) => {
      process.exitCode = await faceCalibrateCommand(dir, options);
    });
}

export async function faceCalibrateCommand(dir: string, o: FaceCalibrateOptions, io: FaceCalibrateIo = defaultIo): Promise<number> {
  const flip = o.flip ?? 'on';
  if (!['on', 'off', 'auto'].includes(flip)) throw new XacminhError('INVALID_INPUT', `--flip must be on, off or auto, got ${flip}`, { field: 'flip' });
  const far = Number(o.far ?? 0.001);
  if (!(far > 0 && far < 1)) throw new XacminhError('INVALID_INPUT', `--far must be in (0, 1), got ${o.far}`, { field: 'far' });
  const maxPeople = o.maxPeople === undefined ? undefined : Number(o.maxPeople);
  if (maxPeople !== undefined && !(Number.isInteger(maxPeople) && maxPeople >= 2)) {
    throw new XacminhError('INVALID_INPUT', `--max-people must be an integer ≥ 2, got ${o.maxPeople}`, { field: 'max-people' });
  }
  const out = resolve(o.out ?? (await defaultCalibrationOut()));
  const command = [
    'xacminh face-calibrate',
    dir,
    o.out !== undefined ? `--out ${o.out}` : '',
    flip !== 'on' ? `--flip ${flip}` : '',
    o.far !== undefined ? `--far ${o.far}` : '',
    maxPeople !== undefined ? `--max-people ${maxPeople}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const result = await calibrate({
    data: resolve(dir),
    out,
    flip: flip as 'on' | 'off' | 'auto',
    far,
    ...(maxPeople !== undefined ? { maxPeople } : {}),
    ...(o.cache !== undefined ? { cache: resolve(o.cache) } : {}),
    command,
    log: (s) => io.stderr(`${s}\n`),
  });
  io.stdout(o.json ? `${JSON.stringify(result, null, 2)}\n` : formatCalibration(result, out));
  return 0;
}

/** Where the face step looks for the calibration of the model in use. */
export async function defaultCalibrationOut(): Promise<string> {
  return calibrationPathFor();
}

export function formatCalibration(c: Calibration, out: string): string {
  const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)} %`;
  const lines = [
    `Calibration of ${c.model.name} on ${c.dataset}: ${c.images.total} images of ${c.people ?? '?'} people (${c.images.noFace} without a face), ${c.pairs.genuine} genuine / ${c.pairs.impostor} impostor pairs${c.pairing === 'chip-vs-camera' ? ' (chip photo vs camera picture)' : ''}`,
    '  target FAR | threshold | measured FAR | TAR',
    ...(c.operatingPoints ?? []).map(
      (p) => `  ${pct(p.targetFar).padStart(10)} | ${p.threshold.toFixed(4).padStart(9)} | ${pct(p.far, 3).padStart(12)} | ${pct(p.tar)}${p.resolvable ? '' : '  (too few impostor pairs to measure this FAR)'}`,
    ),
    `  EER ${pct(c.eer)}; the face step uses threshold ${c.threshold.toFixed(4)} (FAR ${pct(c.targetFar ?? c.far, 2)})`,
  ];
  if (c.heldOut) {
    const splits = c.heldOut.points[0]?.tarInterval ? 'mean over identity splits, ' : '';
    lines.push(
      `  on people the thresholds never saw (${splits}${c.heldOut.pairs.genuine} genuine / ${c.heldOut.pairs.impostor} impostor pairs): ` +
        c.heldOut.points
          .map((p) => `TAR ${pct(p.tar, 1)}${p.tarInterval ? ` (95 % interval ${pct(p.tarInterval[0], 1)}–${pct(p.tarInterval[1], 1)})` : ''} at FAR ${pct(p.far, 3)} (target ${pct(p.targetFar)})`)
          .join(', '),
    );
  }
  const mean = (c.fusion as { twoProbes?: { mean?: TwoProbeSummary } } | undefined)?.twoProbes?.mean;
  const p01 = mean?.operatingPoints.find((p) => p.targetFar === 0.001);
  if (mean && p01) {
    lines.push(
      `  one photo vs the mean of two others (frame fusion): threshold ${p01.threshold.toFixed(4)} for FAR 0.1 % (TAR ${pct(p01.tar, 1)}); ` +
        `at the single-image threshold its FAR is ${pct(mean.atSingleImageThreshold.far, 3)}`,
    );
  }
  if (c.bound) {
    const { single, fused } = c.bound;
    const line = (what: string, p: typeof single) =>
      `  ${what}: threshold ${p.threshold.toFixed(4)} keeps FAR ≤ ${pct(p.targetFar)} with ${c.bound!.confidence * 100} % confidence (upper bound ${pct(p.farUpper, 3)}), ` +
      `TAR ${pct(p.tar, 1)}; the point estimate's ${p.pointThreshold.toFixed(4)} would give TAR ${pct(p.tarAtPoint, 1)}`;
    lines.push(line('one image', single), ...(fused ? [line('two fused frames', fused)] : []));
  }
  if (c.lfw) lines.push(`  LFW View-2 accuracy over the ${c.lfw.folds} folds of pairs.txt: ${pct(c.lfw.accuracy)} ± ${pct(c.lfw.std)} (std; standard error ${pct(c.lfw.standardError)})`);
  for (const w of c.warnings ?? []) lines.push(`  CAUTION: ${w}`);
  lines.push(`Wrote ${out}`);
  return `${lines.join('\n')}\n`;
}

/** Stand-alone runner for tests: parses argv (without node and script); exit codes as main.ts: 2 bad input, 1 error. */
export function runFaceCalibrateCli(argv: string[], io: FaceCalibrateIo = defaultIo): Promise<number> {
  return runCommandCli(argv, io, (program) => {
    let code = 1;
    registerFaceCalibrateCommand(program).action(async (dir: string, options: FaceCalibrateOptions) => {
      code = await faceCalibrateCommand(dir, options, io);
    });
    return () => code;
  });
}

const defaultIo: FaceCalibrateIo = processIo;
