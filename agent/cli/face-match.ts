/** `xacminh face-match`: a chip photo against camera frames (or a folder of images), printing the evidence. */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { FfmpegV4l2Source } from '../../drivers/camera/ffmpeg-sources.ts';
import { FolderSource } from '../../drivers/camera/folder-source.ts';
import type { FrameSource } from '../../drivers/camera/types.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { LocalFaceStep } from '../../models/face-step.ts';
import type { FaceEvidence } from '../../models/types.ts';
import { processIo, runCommandCli, type CliIo } from './cli-io.ts';
import { DEFAULT_CLIP_FPS } from './face-clips.ts';
import { CLIPS_HELP, faceMatchClipsCommand } from './face-match-clips.ts';
import { checkFps, checkMovement, checkTimeout, DECISION_VI, readInput } from './face-match-input.ts';

export { DECISION_VI } from './face-match-input.ts';

export interface FaceMatchOptions {
  photo?: string;
  frames?: string;
  /** A folder of recorded bona fide clips: BPCER on the site's own recordings (face-match-clips.ts). */
  clips?: string;
  camera?: string;
  json?: boolean;
  /** commander's --no-liveness sets this to false. */
  liveness?: boolean;
  fps?: string;
  timeout?: string;
  /** Liveness movement to ask for (as site.json face.turnDegrees / face.nodDegrees). */
  turnDegrees?: string;
  nodDegrees?: string;
}

export type FaceMatchIo = CliIo;

export function registerFaceMatchCommand(program: Command): Command {
  return program
    .command('face-match')
    .description('Match the chip photo against live camera frames or a folder of images; prints the evidence. With --clips: BPCER on recorded clips of real people')
    .option('--photo <file>', 'the chip (DG2) photo, JPEG or JPEG 2000 (with --clips: for the clips without their own photo.jpg / chip.jpg)')
    .option('--frames <dir>', 'a folder of images played as the camera (name order)')
    .option('--camera <device>', 'a V4L2 camera through ffmpeg, e.g. /dev/video0')
    .option('--clips <dir>', 'a folder of recorded bona fide clips (one sub-folder of frames or one video each), each played whole, not in real time; reports BPCER')
    .option('--fps <n>', `frames per second of --frames (default 10) or of the recorded clips (default ${DEFAULT_CLIP_FPS}; clip.json "fps" wins)`)
    .option('--timeout <seconds>', 'give up after this long without a decision (default 8; with --clips, per clip: 30 + 2 per frame)')
    .option('--turn-degrees <n>', 'how far a head must turn for the turn challenges (default 20; as site.json face.turnDegrees)')
    .option('--nod-degrees <n>', 'how far a head must nod for the nod challenge (default 15; as site.json face.nodDegrees)')
    .option('--no-liveness', 'TESTING/CALIBRATION ONLY: skip the liveness check (still images cannot pass it); the evidence says liveness was not checked')
    .option('--json', 'print the evidence (with --clips: the whole report) as JSON')
    .addHelpText('after', `\nExit status: 0 match, 3 no match / not live / no usable face, 1 error, 2 bad input.\n\n${CLIPS_HELP}`)
    .action(async (options: FaceMatchOptions) => {
      process.exitCode = await faceMatchCommand(options);
    });
}

export async function faceMatchCommand(o: FaceMatchOptions, io: FaceMatchIo = defaultIo): Promise<number> {
  if (o.clips !== undefined) return faceMatchClipsCommand(o, io);
  if (Boolean(o.frames) === Boolean(o.camera)) throw new XacminhError('INVALID_INPUT', 'Give exactly one of --frames <dir>, --camera <device> or --clips <dir>', { field: 'frames' });
  if (o.photo === undefined) throw new XacminhError('INVALID_INPUT', 'Give the chip photo: --photo <file>', { field: 'photo' });
  const fps = checkFps(o.fps) ?? 10;
  const timeoutS = checkTimeout(o.timeout) ?? 8;
  const photo = await readInput(o.photo, 'photo');
  if (o.frames && !(await stat(o.frames).catch(() => undefined))?.isDirectory()) {
    throw new XacminhError('INVALID_INPUT', `--frames ${o.frames} is not a folder`, { field: 'frames' });
  }
  const live = o.liveness !== false;
  if (!live && !o.json) io.stderr('CẢNH BÁO: --no-liveness — không kiểm tra người thật (chỉ dùng để thử nghiệm / hiệu chỉnh).\n');
  const step = await LocalFaceStep.create({ liveness: live, livenessThresholds: checkMovement(o) });
  const source: FrameSource = o.frames
    ? new FolderSource({ folder: o.frames, fps, loop: live })
    : new FfmpegV4l2Source({ device: o.camera!, width: 1280, height: 720, framerate: 15 });
  try {
    await source.start();
    const evidence = await step.run(photo, source, {
      timeoutMs: timeoutS * 1000,
      onGuidance: o.json ? undefined : (g) => io.stderr(`  → ${g.messageVi}\n`),
    });
    io.stdout(o.json ? `${JSON.stringify(toJson(evidence), null, 2)}\n` : formatEvidence(evidence));
    return evidence.decision === 'match' ? 0 : 3;
  } finally {
    await source.stop();
    await step.close();
  }
}

/**
 * Stand-alone runner for tests: parses argv
 * (without node and script), runs, and maps errors to the exit codes main.ts uses: 2 bad input, 1 error.
 */
export function runFaceMatchCli(argv: string[], io: FaceMatchIo = defaultIo): Promise<number> {
  return runCommandCli(argv, io, (program) => {
    let code = 1;
    registerFaceMatchCommand(program).action(async (options: FaceMatchOptions) => {
      code = await faceMatchCommand(options, io);
    });
    return () => code;
  });
}

export function toJson(e: FaceEvidence): Record<string, unknown> {
  const { bestFrameJpeg, ...rest } = e;
  const timings = Object.fromEntries(Object.entries(e.timings).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  return { ...rest, timings, decisionVi: DECISION_VI[e.decision], bestFrameJpeg: bestFrameJpeg ? { bytes: bestFrameJpeg.length } : null };
}

export function formatEvidence(e: FaceEvidence): string {
  const f = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? '—' : x.toFixed(d));
  const lines = [
    `Kết quả: ${DECISION_VI[e.decision]} (${e.decision})`,
    `  similarity ${f(e.similarity)} ${e.similarity !== null && e.similarity >= e.threshold ? '≥' : '<'} threshold ${f(e.threshold)}  [${e.model?.name ?? 'no model'}]`,
    e.liveness
      ? `  liveness: ${e.liveness.decision}, challenge ${e.liveness.challenge} ${e.liveness.challengePassed ? 'passed' : 'not passed'}, passive ${f(e.liveness.passiveScore, 2)} over ${e.liveness.passiveFrames} frames`
      : '  liveness: NOT CHECKED (--no-liveness, testing only)',
    `  quality: ${e.quality ? `${e.quality.guidance} (${f(e.quality.score, 2)})` : '—'}; frames seen ${e.framesSeen}`,
    `  reasons: ${e.reasons.length ? e.reasons.join(', ') : '—'}`,
    `  timings (ms): ${Object.entries(e.timings).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

const defaultIo: FaceMatchIo = processIo;
