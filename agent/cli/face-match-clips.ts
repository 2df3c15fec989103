/**
 * `xacminh face-match --clips DIR`: plays each recorded bona fide clip through the face step (engine loaded
 * once) and reports, per clip and overall, how often a real person was not classified live (BPCER) and how
 * often a live one was not matched (FRR), with exact 95 % intervals. Exit 0 when every clip was judged
 * (whatever the rates), 1 when a clip could not be (it is listed and left out of the rates), 2 bad input.
 */
import { VIDEO_CLIP_EXTENSIONS } from '../../drivers/camera/clip-source.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { summarizeBonaFide, type BonaFideSummary, type ErrorRate } from '../../models/accuracy/bona-fide.ts';
import { LocalFaceStep } from '../../models/face-step.ts';
import { CHALLENGE_KINDS } from '../../models/liveness/liveness.ts';
import type { CliIo } from './cli-io.ts';
import { DEFAULT_CLIP_FPS, discoverClips, runClips, type ClipResult } from './face-clips.ts';
import { checkFps, checkMovement, checkTimeout, DECISION_VI, readInput } from './face-match-input.ts';

export interface FaceMatchClipsOptions {
  clips?: string;
  photo?: string;
  frames?: string;
  camera?: string;
  fps?: string;
  timeout?: string;
  json?: boolean;
  liveness?: boolean;
  turnDegrees?: string;
  nodDegrees?: string;
}

/** A challenge with fewer clips than this gets a wide interval: the README asks sites for at least this many. */
export const MIN_CLIPS_PER_CHALLENGE = 30;

export const CLIPS_HELP = [
  'Measuring BPCER on the site\'s own recordings (--clips DIR):',
  '  record at least 30 clips per challenge of staff at the counter, in the site\'s light: each person faces the',
  '  camera for about 1 s, then does the asked action once, within 3 s (a turn ends facing the camera again).',
  `  One entry of DIR per clip: a folder of frames (name order; --fps or clip.json "fps" = the rate they were`,
  `  recorded at, default ${DEFAULT_CLIP_FPS}), or a video file (${VIDEO_CLIP_EXTENSIONS.join(', ')}; decoded by ffmpeg at that rate).`,
  `  The challenge (${CHALLENGE_KINDS.join(', ')}): clip.json {"challenge": "…"} or the name prefix (${CHALLENGE_KINDS.at(-1)}-anna-01).`,
  '  The chip photo: the clip\'s photo.jpg / chip.jpg (or clip.json "photo"), else --photo.',
  '  Every frame is judged (played as fast as the models go, stamped with the recording\'s own time).',
  '  Exit status with --clips: 0 ran (whatever the rates), 1 a clip could not be judged, 2 bad input.',
].join('\n');

export async function faceMatchClipsCommand(o: FaceMatchClipsOptions, io: CliIo): Promise<number> {
  if (o.frames !== undefined || o.camera !== undefined) {
    throw new XacminhError('INVALID_INPUT', '--clips cannot be combined with --frames or --camera', { field: 'clips' });
  }
  if (o.liveness === false) throw new XacminhError('INVALID_INPUT', '--clips measures liveness: it cannot run with --no-liveness', { field: 'clips' });
  const fps = checkFps(o.fps);
  const timeoutS = checkTimeout(o.timeout);
  if (o.photo !== undefined) await readInput(o.photo, 'photo');
  const clips = await discoverClips(o.clips!, { photo: o.photo, fps });
  const step = await LocalFaceStep.create({ liveness: true, livenessThresholds: checkMovement(o) });
  let results: ClipResult[];
  try {
    if (!o.json) io.stdout(`Đo BPCER trên ${clips.length} clip người thật (bona fide presentations) — ${o.clips}\n`);
    results = await runClips(step, clips, { timeoutS, onClip: o.json ? undefined : (r) => io.stdout(formatClip(r)) });
  } finally {
    await step.close();
  }
  const report = clipsReport(results);
  io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatSummary(report));
  return report.errors.length > 0 ? 1 : 0;
}

export interface ClipsReport {
  clips: Record<string, unknown>[];
  summary: BonaFideSummary;
  /** Clips that could not be judged: not in the rates. */
  errors: string[];
  /** Clips cut short by --timeout (judged on the frames seen): raise --timeout. */
  timedOut: string[];
  interval: string;
}

export function clipsReport(results: readonly ClipResult[]): ClipsReport {
  const judged = results.filter((r) => r.evidence);
  const summary = summarizeBonaFide(judged.map((r) => ({ challenge: r.challenge, live: isLive(r), decision: r.evidence!.decision })));
  return {
    clips: results.map(clipJson),
    summary,
    errors: results.filter((r) => r.error !== null).map((r) => r.clip),
    timedOut: judged.filter((r) => r.evidence!.reasons.includes('timeout')).map((r) => r.clip),
    interval: 'exact Clopper–Pearson 95 %: lower95–upper95 two-sided, upper95OneSided one-sided',
  };
}

function isLive(r: ClipResult): boolean {
  return r.evidence?.liveness?.decision === 'live';
}

function clipJson(r: ClipResult): Record<string, unknown> {
  const e = r.evidence;
  const l = e?.liveness;
  return {
    clip: r.clip,
    challenge: r.challenge,
    challengeFrom: r.challengeFrom,
    fps: r.fps,
    frames: r.frames,
    live: isLive(r),
    liveness: l ? { decision: l.decision, reasons: l.reasons, challengePassed: l.challengePassed, passiveScore: l.passiveScore, passiveFrames: l.passiveFrames } : null,
    decision: e?.decision ?? null,
    decisionVi: e ? DECISION_VI[e.decision] : null,
    reasons: e?.reasons ?? [],
    similarity: e?.similarity ?? null,
    threshold: e?.threshold ?? null,
    framesSeen: e?.framesSeen ?? null,
    error: r.error,
  };
}

export function formatClip(r: ClipResult): string {
  const head = `  ${r.clip} [${r.challenge}, ${r.fps} fps${r.frames !== null ? `, ${r.frames} frames` : ''}]`;
  const e = r.evidence;
  if (!e) return `${head}: LỖI — ${r.error} (không tính / not counted)\n`;
  const l = e.liveness;
  const liveness = l ? `liveness ${l.decision}${l.reasons.length ? ` (${l.reasons.join(', ')})` : ''}` : 'liveness —';
  const sim = e.similarity === null ? '—' : `${e.similarity.toFixed(4)} ${e.similarity >= e.threshold ? '≥' : '<'} ${e.threshold.toFixed(4)}`;
  const extra = e.reasons.includes('timeout') ? ' — HẾT GIỜ / timed out: judged on the frames seen' : '';
  return `${head}: ${liveness} → ${DECISION_VI[e.decision]} (${e.decision}); similarity ${sim}; frames judged ${e.framesSeen}${extra}\n`;
}

/** 0.05 → "5,0 %" (Vietnamese decimal comma). */
function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1).replace('.', ',')} %`;
}

function rateVi(r: ErrorRate): string {
  if (r.rate === null) return '0/0 (không có clip / no clips)';
  return `${r.errors}/${r.total} = ${pct(r.rate)} (KTC 95 %: ${pct(r.lower95).replace(' %', '')}–${pct(r.upper95)}; cận trên một phía 95 %: ${pct(r.upper95OneSided)})`;
}

export function formatSummary(report: ClipsReport): string {
  const s = report.summary;
  const lines = [
    '',
    `Tỷ lệ từ chối nhầm người thật (BPCER): ${rateVi(s.bpcer)}`,
    '  BPCER (ISO/IEC 30107-3) = bona fide clips not classified live / bona fide clips; KTC = 95 % confidence interval, exact Clopper–Pearson, two-sided (cận trên một phía = one-sided upper bound)',
    ...Object.entries(s.bpcerByChallenge).map(([challenge, r]) => `  ${challenge}: ${rateVi(r)}`),
    `Từ chối nhầm khi so khớp khuôn mặt (FRR, trong ${s.frr.total} clip xác nhận người thật / among the live clips): ${rateVi(s.frr)}`,
  ];
  const few = Object.entries(s.bpcerByChallenge).filter(([, r]) => r.total < MIN_CLIPS_PER_CHALLENGE);
  if (few.length > 0) {
    lines.push(`Lưu ý: dưới ${MIN_CLIPS_PER_CHALLENGE} clip cho ${few.map(([c, r]) => `${c} (${r.total})`).join(', ')} — khoảng tin cậy rộng; hãy ghi thêm (fewer than ${MIN_CLIPS_PER_CHALLENGE} clips: wide interval).`);
  }
  if (report.timedOut.length > 0) lines.push(`Lưu ý: hết giờ trước khi xem hết clip / timed out: ${report.timedOut.join(', ')} — tăng --timeout.`);
  if (report.errors.length > 0) lines.push(`LỖI: không đánh giá được / could not be judged (not counted): ${report.errors.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
