/**
 * bench/liveness-attacks (issue 19): APCER per attack kind and challenge (ISO/IEC 30107-3: attack presentations
 * classified as live), on attacks generated from faces the tuning never saw, through the face step's own models.
 *
 *   node --import tsx bench/liveness-attacks.ts [--per-kind 200] [--kinds print-tilt,…] [--shard 1/2] [--out F.jsonl]
 *   node --import tsx bench/liveness-attacks.ts --bona-fide [--per-kind 120] [--out F.jsonl]   (rendered real heads)
 *   node --import tsx bench/liveness-attacks.ts --rerun [the original run's options] --out F.jsonl OLD.jsonl …
 *   node --import tsx bench/liveness-attacks.ts --report F1.jsonl [F2.jsonl …]
 *
 * Faces: LFW View-2 (../shared/data/faces/lfw-view2-dev) people who are NOT in lfw-dev — the mean face, the
 * thresholds and every check were tuned on lfw-dev's 60 people. Each sequence (models/liveness/attacks: a print, a
 * screen or a cut-out seen by a pinhole camera at 1280×720, 15 fps) shows one attack kind mimicking one challenge,
 * the challenges taken in turn. Every frame goes through the engine configured as the face step configures it (video
 * tracking), the face through the quality gate, and the observations into a LivenessSession for EACH challenge:
 * the cell of the challenge the attacker mimicked is the table's; accepted under any challenge is reported too.
 * Beside the decisions: how far the pose estimate moved (the known hole) and the flat-picture residuals at the
 * furthest frame — the attack side of the margin. The real side: the same people's measured meshes turned and
 * nodded in 3D by the smallest movement that counts, with the landmark noise measured on the still prints; and
 * (--bona-fide) their photos on their own meshes rendered as heads turning and nodding (attacks/head.ts), through
 * the same engine, landmark tracker and judges.
 * Shards run in separate processes (`--shard k/n`), then `--report` merges them.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { mulberry32, normalNoise, shuffle } from '../drivers/prng.ts';
import { FaceEngine, VIDEO_TRACKING } from '../models/engine.ts';
import type { RgbImage } from '../models/face-geometry.ts';
import { ATTACK_KINDS, describeAttack, renderAttack, type AttackKind } from '../models/liveness/attacks/index.ts';
import { describeHeadMotion, renderHeadMotion, type HeadMove } from '../models/liveness/attacks/head.ts';
import { CHALLENGE_KINDS, DEFAULT_CHALLENGES, LivenessSession } from '../models/liveness/liveness.ts';
import { LandmarkTracker, observeFollowed } from '../models/liveness/landmark-tracker.ts';
import type { DepthSummary } from '../models/liveness/challenge.ts';
import { LIVENESS_OPERATING_POINT as T } from '../models/liveness/operating-point.ts';
import { depthEvidence, planarFit, rectifiedEyeOpenness, shapeRatio } from '../models/liveness/planar-motion.ts';
import { eyeOpenness } from '../models/liveness/challenge.ts';
import { meshInEyeFrame, projectPoints } from '../models/liveness/synthetic-faces.ts';
import { assessQuality } from '../models/quality/quality.ts';
import { FACE_DATA } from '../models/test-faces.ts';
import type { ChallengeKind, FaceObservation } from '../models/types.ts';

const VIEW2 = resolve(FACE_DATA, '../lfw-view2-dev/images');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'per-kind': { type: 'string', default: '200' },
    kinds: { type: 'string' },
    shard: { type: 'string', default: '1/1' },
    out: { type: 'string' },
    report: { type: 'boolean', default: false },
    seed: { type: 'string', default: '19' },
    fps: { type: 'string', default: '15' },
    /** heldout: View-2 people not in lfw-dev (the measurement); tuning: lfw-dev's own people (to set thresholds on). */
    people: { type: 'string', default: 'heldout' },
    /** Only these mimicked challenges (comma-separated; default all, in turn). */
    mimics: { type: 'string' },
    /** Which of a person's photos (name order) is the victim's: 1 = the second, for people with two or more. */
    'photo-index': { type: 'string', default: '0' },
    /**
     * Re-run (models and all) the stored sequences of these files that the CURRENT rules still judge live under any
     * challenge — a new check can only refuse more, so the others stay refused. Give the original run's --kinds,
     * --per-kind, --seed, --people and --photo-index: a cut-out's attacker is found from them.
     */
    rerun: { type: 'boolean', default: false },
    /**
     * The real side instead: --per-kind heads (models/liveness/attacks/head.ts: the victim's photo on its measured
     * mesh, turned or nodded in 3-D, z-buffered) per move, through the same engine, tracker and judges.
     */
    'bona-fide': { type: 'boolean', default: false },
  },
});

interface SequenceResult {
  /** The attack, or 'bona-fide': a rendered real head (head.ts) doing `mimic`. */
  kind: AttackKind | 'bona-fide';
  mimic: ChallengeKind;
  person: string;
  seed: number;
  frames: number;
  facesFound: number;
  /** Decision under each challenge. */
  decisions: Record<string, Judged>;
  /** Real side: this person's measured mesh turned / nodded in 3D by the smallest movement that counts. */
  realTurn?: RealMotion[];
  /** Every observation the session saw (landmarks rounded to 0.1 px): the report re-judges from them. */
  observations: FaceObservation[];
  /**
   * Pitch > 0 is up in these observations and a nod attack tilts the chin down. Absent in runs before the engine's
   * pitch sign was corrected (2026-11-30): their pitch is flipped on reading and their nod attacks, tilted the
   * wrong way, left out.
   */
  pitchUp?: true;
  describe: Record<string, number | string>;
  ms: number;
}


async function run(): Promise<void> {
  const perKind = Number(values['per-kind']);
  const kinds = (values.kinds ? values.kinds.split(',') : [...ATTACK_KINDS]) as AttackKind[];
  for (const k of kinds) if (!ATTACK_KINDS.includes(k)) throw new Error(`unknown kind ${k}; one of ${ATTACK_KINDS.join(', ')}`);
  const [shard, shards] = values.shard.split('/').map(Number) as [number, number];
  const mimics = (values.mimics ? values.mimics.split(',') : [...CHALLENGE_KINDS]) as ChallengeKind[];
  for (const m of mimics) if (!CHALLENGE_KINDS.includes(m)) throw new Error(`unknown challenge ${m}; one of ${CHALLENGE_KINDS.join(', ')}`);
  if (!existsSync(VIEW2)) throw new Error(`Face data missing: ${VIEW2}`);
  const tuned = new Set(await readdir(FACE_DATA));
  if (values.people !== 'heldout' && values.people !== 'tuning') throw new Error('--people is heldout or tuning');
  const people = (await readdir(VIEW2)).filter((p) => tuned.has(p) === (values.people === 'tuning')).sort();
  const random = mulberry32(Number(values.seed));
  shuffle(people, random);
  const out = values.out ? createWriteStream(values.out, { flags: 'a' }) : undefined;
  const record = (result: SequenceResult, label: string): void => {
    out?.write(`${JSON.stringify(result)}\n`);
    logSequence(result, label);
  };
  // The seed of the kind's k-th place's i-th sequence, and its cut-out's attacker (a re-run finds k and i back).
  const baseSeed = Number(values.seed) * 1_000_003;
  const attackerOf = (k: number, i: number): string => people[(k * perKind + i + 7919) % people.length]!;
  const engine = await FaceEngine.load({ track: { ...VIDEO_TRACKING } });
  try {
    if (values['bona-fide']) {
      const moves = mimics.filter((m): m is Exclude<HeadMove, 'still'> => m !== 'blink');
      const heads = await frontalPeople(engine, people, perKind);
      for (const [i, person] of heads.entries()) {
        if (i % shards !== shard - 1) continue;
        record(await runHead(engine, person, moves[i % moves.length]!, baseSeed + 900_000 + i), `${i + 1}/${perKind}`);
      }
    } else if (values.rerun) {
      for (const old of stillLive(positionals)) {
        const offset = old.seed - baseSeed;
        const attacker = attackerOf(Math.floor(offset / 10_007), offset % 10_007);
        record(await runSequence(engine, old.kind, old.mimic, old.person, attacker, old.seed), `rerun ${old.decisions[old.mimic]!.decision} →`);
      }
    } else {
      // An attacker picks a photo looking at the camera: victims whose photo the mesh finds near-frontal (as the
      // challenge's baseline needs), in the shuffled order — decided before any shard's work, so shards agree.
      const victims = await frontalPeople(engine, people, kinds.length * perKind);
      let n = 0;
      for (const [k, kind] of kinds.entries()) {
        for (let i = 0; i < perKind; i++) {
          if (n++ % shards !== shard - 1) continue;
          // Each kind draws its faces from its own stretch of the list, so kinds do not share a victim.
          const person = victims[(k * perKind + i) % victims.length]!;
          const mimic = mimics[i % mimics.length]!;
          record(await runSequence(engine, kind, mimic, person, attackerOf(k, i), baseSeed + k * 10_007 + i), `${i + 1}/${perKind}`);
        }
      }
    }
  } finally {
    await engine.close();
    await new Promise<void>((done) => (out ? out.end(done) : done()));
  }
}

function logSequence(result: SequenceResult, label: string): void {
  const mine = result.decisions[result.mimic]!;
  const e = motionEvidence(result.observations);
  const any = CHALLENGE_KINDS.filter((c) => result.decisions[c]!.decision === 'live');
  console.error(`${result.kind} ${label} ${result.mimic} ${result.person} ${result.seed}: ${mine.decision} [${mine.reasons.join(',')}] live under: ${any.join(',') || '—'} | yaw ${e.yawMove.toFixed(1)} pitch ${e.pitchMove.toFixed(1)} parallax ${fmt(e.parallax, 2)} fold ${fmt(e.foldParallax, 2)} tracked ${fmt(e.trackedParallax, 2)} fold ${fmt(e.trackedFoldParallax, 2)} faces ${result.facesFound}/${result.frames} ${result.ms.toFixed(0)} ms`);
}

async function frontalPeople(engine: FaceEngine, people: readonly string[], wanted: number): Promise<string[]> {
  const out: string[] = [];
  const index = Number(values['photo-index']);
  for (const person of people) {
    if (out.length >= wanted) break;
    if ((await readdir(join(VIEW2, person))).length <= index) continue; // no such photo: not a fresh one
    const [face] = await engine.analyze(await loadFace(person));
    if (face && Math.abs(face.yaw) <= 10 && Math.abs(face.pitch) <= 10) out.push(person);
  }
  console.error(`${out.length} near-frontal victims of ${people.length} people`);
  return out;
}

async function loadFace(person: string): Promise<RgbImage> {
  const dir = join(VIEW2, person);
  const files = (await readdir(dir)).sort();
  const file = files[Math.min(files.length - 1, Number(values['photo-index']))]!;
  const { data, info } = await sharp(join(dir, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

async function runSequence(engine: FaceEngine, kind: AttackKind, mimic: ChallengeKind, person: string, attackerName: string, seed: number): Promise<SequenceResult> {
  const started = performance.now();
  const face = await loadFace(person);
  const attacker = await loadFace(attackerName);
  const spec = { kind, mimic, face, attacker, seed, fps: Number(values.fps) };
  const seen = await observeFrames(engine, renderAttack(spec));
  return {
    kind,
    mimic,
    person,
    seed,
    ...judged(seen, started),
    ...(kind === 'print-still' && seen.firstMesh ? { realTurn: realMotions(seen.firstMesh, seed) } : {}),
    describe: describeAttack(spec),
  };
}

/** A real-looking head (the victim's photo on its own mesh) doing the move, judged as the attacks are. */
async function runHead(engine: FaceEngine, person: string, move: Exclude<HeadMove, 'still'>, seed: number): Promise<SequenceResult> {
  const started = performance.now();
  const face = await loadFace(person);
  const [found] = await engine.analyze(face);
  const mesh = found && engine.meshOf(found);
  if (!mesh) throw new Error(`no mesh on ${person}'s photo`);
  const spec = { face, mesh, triangles: engine.faceTriangulation, move, seed, fps: Number(values.fps) };
  const seen = await observeFrames(engine, renderHeadMotion(spec));
  return { kind: 'bona-fide', mimic: move, person, seed, ...judged(seen, started), describe: describeHeadMotion(spec) };
}

/** What every stored sequence carries: its frames, the decisions under each challenge, its observations (storable). */
function judged(seen: Awaited<ReturnType<typeof observeFrames>>, started: number) {
  return {
    frames: seen.frames,
    facesFound: seen.observations.length,
    decisions: judgeAll(seen.observations),
    observations: seen.observations.map(storable),
    pitchUp: true as const,
    ms: performance.now() - started,
  };
}

/**
 * Every frame through the engine (as the face step loads it) and the quality gate; the main face followed as the
 * face step follows it (landmark-tracker.ts) from the prompt's frame. A turn's session places the prompt where a
 * nod's does (both wait for frontal frames only), so one chain serves the three movement challenges.
 */
async function observeFrames(engine: FaceEngine, frames: Iterable<{ rgb: Uint8Array; width: number; height: number; t: number }>) {
  const t0 = 1_000_000;
  const observations: FaceObservation[] = [];
  let count = 0;
  let firstMesh: ReturnType<FaceEngine['meshOf']>;
  const tracker = new LandmarkTracker();
  const probe = new LivenessSession({ challenge: 'turn-left' });
  for (const frame of frames) {
    count++;
    const image = { rgb: frame.rgb, width: frame.width, height: frame.height };
    const faces = await engine.analyze(image, { sequence: count, timestamp: t0 + frame.t });
    const quality = assessQuality(faces);
    // As the face step: the liveness session sees the main face unless there is none or more than one.
    if (faces[0] && quality.guidance !== 'no-face' && quality.guidance !== 'multiple-faces') {
      observations.push(observeFollowed(probe, tracker, image, faces[0]));
      firstMesh ??= engine.meshOf(faces[0]);
    }
  }
  return { frames: count, observations, firstMesh };
}

/** Landmarks and tracked points rounded to 0.1 px: the stored file stays small, the report re-judges from it. */
function storable({ landmarks, tracked, ...o }: FaceObservation): FaceObservation {
  return {
    ...o,
    ...(landmarks ? { landmarks: landmarks.map(roundPoint) } : {}),
    ...(tracked ? { tracked: { since: tracked.since, points: tracked.points.map((p) => p && roundPoint(p)) } } : {}),
  };
}

const roundPoint = ([x, y]: readonly [number, number]): [number, number] => [Math.round(x * 10) / 10, Math.round(y * 10) / 10];

/** What the checks see at the frame furthest out in pose: its change, the flat-picture evidence, the eyes at their narrowest. */
interface MotionEvidence {
  yawMove: number;
  pitchMove: number;
  onePlane: number | null;
  twoPlanes: number | null;
  parallax: number | null;
  foldParallax: number | null;
  /** The same from the landmarks followed by their pixels (landmark-tracker.ts), at the furthest frame that has them. */
  trackedParallax: number | null;
  trackedFoldParallax: number | null;
  eyeRatioRaw: number | null;
  eyeRatioRectified: number | null;
  /** Between the first two frames (landmark noise). */
  stillResidual: number | null;
  /** Per frame after the first: the face's shape against the reference (planar-motion.ts shapeRatio). */
  shapes: number[];
}

function motionEvidence(obs: readonly FaceObservation[]): MotionEvidence {
  const empty = { yawMove: 0, pitchMove: 0, onePlane: null, twoPlanes: null, parallax: null, foldParallax: null, trackedParallax: null, trackedFoldParallax: null, eyeRatioRaw: null, eyeRatioRectified: null, stillResidual: null, shapes: [] };
  if (obs.length < 6) return empty;
  const t0 = obs[0]!.timestamp;
  const early = obs.filter((o) => o.timestamp - t0 < 700);
  const base = early.length >= 3 ? early : obs.slice(0, 3);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const yaw0 = med(base.map((o) => o.yaw));
  const pitch0 = med(base.map((o) => o.pitch));
  const reference = base[base.length - 1]!;
  let furthest = reference;
  let far = 0;
  let yawMove = 0;
  let pitchMove = 0;
  let raw = Infinity;
  let rectified = Infinity;
  const shapes: number[] = [];
  const open = eyeOpenness(reference);
  for (const o of obs) {
    const dy = o.yaw - yaw0;
    const dp = o.pitch - pitch0;
    if (Math.abs(dy) > Math.abs(yawMove)) yawMove = dy;
    if (Math.abs(dp) > Math.abs(pitchMove)) pitchMove = dp;
    if (Math.hypot(dy, dp) > far) [far, furthest] = [Math.hypot(dy, dp), o];
    const e = eyeOpenness(o);
    if (open && e !== null) raw = Math.min(raw, e / open);
    const r = rectifiedEyeOpenness(reference.landmarks, o.landmarks);
    if (open && r !== null) rectified = Math.min(rectified, r / open);
    const shape = o === reference ? null : shapeRatio(reference.landmarks, o.landmarks);
    if (shape !== null) shapes.push(shape);
  }
  const evidence = depthEvidence(reference.landmarks, furthest.landmarks, { yaw: furthest.yaw - reference.yaw, pitch: furthest.pitch - reference.pitch });
  const still = planarFit(obs[0]!.landmarks, obs[1]!.landmarks);
  const tracked = trackedEvidence(obs);
  return {
    trackedParallax: tracked?.parallax ?? null,
    trackedFoldParallax: tracked?.foldParallax ?? null,
    yawMove,
    pitchMove,
    onePlane: evidence?.onePlane ?? null,
    twoPlanes: evidence?.twoPlanes ?? null,
    parallax: evidence?.parallax ?? null,
    foldParallax: evidence?.foldParallax ?? null,
    eyeRatioRaw: Number.isFinite(raw) ? raw : null,
    eyeRatioRectified: Number.isFinite(rectified) ? rectified : null,
    stillResidual: still?.onePlane ?? null,
    shapes,
  };
}

/** Depth evidence of the tracked points at the frame furthest in pose from their chain's start (that has evidence). */
function trackedEvidence(obs: readonly FaceObservation[]): ReturnType<typeof depthEvidence> {
  let best: { far: number; evidence: NonNullable<ReturnType<typeof depthEvidence>> } | null = null;
  for (const o of obs) {
    if (!o.tracked) continue;
    const start = obs.find((r) => r.timestamp === o.tracked!.since);
    if (!start) continue;
    const change = { yaw: o.yaw - start.yaw, pitch: o.pitch - start.pitch };
    const evidence = depthEvidence(start.landmarks, o.tracked.points, change);
    const far = Math.hypot(change.yaw, change.pitch);
    if (evidence && far >= 8 && (!best || far > best.far)) best = { far, evidence };
  }
  return best?.evidence ?? null;
}

/** Landmark noise for the real side: SD per coordinate in eye-corner distances (still prints: RMS residual ≈ 0.01 ≈ √2·SD). */
const REAL_SIDE_NOISE = 0.01;

/**
 * The real side of the margin, for this person: the mesh the engine measured on the first still frame, turned
 * and nodded in 3D about the head's centre by the smallest movement the judges accept (and by 1.5× it), through the
 * same pinhole camera, with seeded landmark noise of REAL_SIDE_NOISE — the depth evidence a head like this one gives.
 */
function realMotions(mesh: NonNullable<ReturnType<FaceEngine['meshOf']>>, seed: number): RealMotion[] {
  const points = meshInEyeFrame(mesh);
  const noise = normalNoise(seed, REAL_SIDE_NOISE);
  const at = (yaw: number, pitch: number) => projectPoints(points, { yaw, pitch, centre: [640, 360], eyeDistance: 100, noise });
  const out: RealMotion[] = [];
  for (const factor of [1, 1.5]) {
    for (const [move, yaw, pitch] of [
      ['turn-left', T.turnDegrees, 0],
      ['turn-right', -T.turnDegrees, 0],
      ['nod', 0, -T.nodDegrees],
    ] as const) {
      const e = depthEvidence(at(0, 0), at(yaw * factor, pitch * factor), { yaw: yaw * factor, pitch: pitch * factor });
      if (e) out.push({ move, factor, parallax: e.parallax, foldParallax: e.foldParallax, onePlane: e.onePlane });
    }
  }
  return out;
}

interface RealMotion {
  move: string;
  factor: number;
  parallax: number;
  foldParallax: number;
  onePlane: number;
}

function fmt(x: number | null, d = 4): string {
  return x === null ? '—' : x.toFixed(d);
}

/** A challenge's decision, and for a turn or nod the depth evidence its judge read (LivenessSession.depth). */
interface Judged {
  decision: string;
  reasons: string[];
  depth?: DepthSummary | null;
}

function judgeAll(observations: readonly FaceObservation[], overrides: Partial<typeof T> = {}): Record<string, Judged> {
  const decisions: Record<string, Judged> = {};
  for (const challenge of CHALLENGE_KINDS) {
    const session = new LivenessSession({ ...overrides, challenge });
    for (const o of observations) session.observe(o);
    const r = session.result();
    decisions[challenge] = { decision: r.decision, reasons: r.reasons, depth: session.depth };
  }
  return decisions;
}

/** The judge's own followed-point statistic for the challenge a sequence mimicked: min(parallax, fold parallax). */
function judgedTracked(r: SequenceResult): number | null {
  const t = r.decisions[r.mimic]?.depth?.tracked;
  return t ? Math.min(t.parallax, t.foldParallax) : null;
}

function spread(values: readonly (number | null)[]): string {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? `min ${quantile(v, 0).toFixed(2)}, 5th pct ${quantile(v, 0.05).toFixed(2)}, median ${quantile(v, 0.5).toFixed(2)}, 95th pct ${quantile(v, 0.95).toFixed(2)}, max ${quantile(v, 1).toFixed(2)} (${v.length})` : '— (none)';
}

function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
}

/**
 * Merges shard files, re-judges every stored sequence with the CURRENT liveness code (so a threshold set on the
 * tuning people is measured on the held-out ones without running the models again), and prints the tables.
 */
/**
 * Stored sequences, re-judged with the current rules. A later file's sequence replaces an earlier one's (a re-run).
 * Sequences recorded before the landmark tracker (no tracked points) are judged without its check: that can only
 * accept more, and what it accepts is what --rerun runs again with the tracker.
 */
function readResults(files: readonly string[]): SequenceResult[] {
  const byKey = new Map<string, SequenceResult>();
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as SequenceResult;
      if (r.pitchUp || r.mimic !== 'nod') byKey.set(`${r.kind}|${r.mimic}|${r.person}|${r.seed}`, r);
    }
  }
  const results = [...byKey.values()];
  for (const r of results) {
    if (!r.pitchUp) r.observations = r.observations.map((o) => ({ ...o, pitch: -o.pitch }));
    r.decisions = judgeAll(r.observations, untracked(r) ? { trackedParallaxMin: 0 } : {});
  }
  return results;
}

const untracked = (r: SequenceResult): boolean => !r.observations.some((o) => o.tracked);

type AttackResult = SequenceResult & { kind: AttackKind };
const isAttack = (r: SequenceResult): r is AttackResult => r.kind !== 'bona-fide';

/** The stored attack sequences the current rules judge live under some challenge. */
function stillLive(files: readonly string[]): AttackResult[] {
  return readResults(files)
    .filter(isAttack)
    .filter((r) => CHALLENGE_KINDS.some((c) => r.decisions[c]!.decision === 'live'));
}

function report(files: string[]): void {
  const all = readResults(files);
  const results = all.filter(isAttack);
  const before = results.filter(untracked).length;
  if (before) console.log(`${before} of ${results.length} attack sequences were recorded before the landmark tracker: judged without its check (it can only refuse more); the ones that check would have to refuse were run again (--rerun).\n`);
  bonaFideReport(all.filter((r) => r.kind === 'bona-fide'));
  if (results.length === 0) return;
  const evidence = new Map(results.map((r) => [r, motionEvidence(r.observations)]));
  const kinds = ATTACK_KINDS.filter((k) => results.some((r) => r.kind === k));
  const live = (r: SequenceResult, c: string) => r.decisions[c]?.decision === 'live';
  console.log(`${results.length} attack sequences, ${new Set(results.map((r) => r.person)).size} victims\n`);
  console.log(`| attack kind | sequences | ${CHALLENGE_KINDS.map((c) => `${c}: live / mimicked`).join(' | ')} | live under any challenge | … any default one (${DEFAULT_CHALLENGES.join(', ')}) | frames with the face |`);
  console.log(`|---|---|${CHALLENGE_KINDS.map(() => '---').join('|')}|---|---|---|`);
  for (const kind of kinds) {
    const rs = results.filter((r) => r.kind === kind);
    const cells = CHALLENGE_KINDS.map((c) => {
      const m = rs.filter((r) => r.mimic === c);
      return `${m.filter((r) => live(r, c)).length}/${m.length}`;
    });
    const any = rs.filter((r) => CHALLENGE_KINDS.some((c) => live(r, c))).length;
    const anyDefault = rs.filter((r) => DEFAULT_CHALLENGES.some((c) => live(r, c))).length;
    const found = rs.reduce((a, r) => a + r.facesFound, 0) / Math.max(1, rs.reduce((a, r) => a + r.frames, 0));
    console.log(`| ${kind} | ${rs.length} | ${cells.join(' | ')} | ${any}/${rs.length} | ${anyDefault}/${rs.length} | ${(100 * found).toFixed(1)} % |`);
  }
  console.log('\nWhat stopped the mimicked challenge (reason counts):');
  for (const kind of kinds) {
    const counts = new Map<string, number>();
    for (const r of results.filter((x) => x.kind === kind)) for (const reason of r.decisions[r.mimic]!.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    console.log(`- ${kind}: ${[...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log("\nThe pose estimate fooled (the known hole), and the depth evidence at each sequence's furthest frame:");
  console.log("| attack kind | mimic | pose moved ≥ the judge's angle | largest move (°) | parallax max | fold parallax max | eye ratio raw min | rectified min |");
  console.log('|---|---|---|---|---|---|---|---|');
  const max = (xs: (number | null)[], d = 2) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? Math.max(...v).toFixed(d) : '—';
  };
  const min = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? Math.min(...v).toFixed(2) : '—';
  };
  for (const kind of kinds) {
    for (const c of CHALLENGE_KINDS) {
      const rs = results.filter((r) => r.kind === kind && r.mimic === c);
      if (rs.length === 0) continue;
      const ev = rs.map((r) => evidence.get(r)!);
      const angle = (e: MotionEvidence) => (c === 'nod' ? -e.pitchMove : c === 'turn-left' ? e.yawMove : c === 'turn-right' ? -e.yawMove : 0);
      const moved = ev.filter((e) => c !== 'blink' && angle(e) >= (c === 'nod' ? T.nodDegrees : T.turnDegrees));
      console.log(`| ${kind} | ${c} | ${c === 'blink' ? '' : `${moved.length}/${rs.length}`} | ${c === 'blink' ? '' : Math.max(...ev.map(angle)).toFixed(1)} | ${max(ev.map((e) => e.parallax))} | ${max(ev.map((e) => e.foldParallax))} | ${c === 'blink' ? min(ev.map((e) => e.eyeRatioRaw)) : ''} | ${c === 'blink' ? min(ev.map((e) => e.eyeRatioRectified)) : ''} |`);
    }
  }
  // Attack side of the margin: the depth evidence of every sequence whose pose moved ≥ 8° (smaller moves carry none).
  const moving = [...evidence.values()].filter((e) => Math.hypot(e.yawMove, e.pitchMove) >= 8 && e.parallax !== null);
  const par = moving.map((e) => Math.min(e.parallax!, e.foldParallax!));
  const still = [...evidence.values()].map((e) => e.stillResidual).filter((x): x is number => x !== null);
  console.log(`\nAttack side: ${moving.length} sequences whose pose estimate moved ≥ 8°: min(parallax, fold parallax) median ${quantile(par, 0.5).toFixed(2)}, 99th pct ${quantile(par, 0.99).toFixed(2)}, max ${quantile(par, 1).toFixed(2)} (threshold ${T.parallaxMin}); one-plane RMS residual median ${quantile(moving.map((e) => e.onePlane!), 0.5).toFixed(4)}`);
  console.log(`Followed points, the judge's own statistic (median of the ≤ 3 furthest frames from half the asked angle; min(parallax, fold parallax)), attacks mimicking a turn or nod: ${spread(results.map(judgedTracked))} (threshold ${T.trackedParallaxMin})`);
  for (const kind of kinds) {
    const v = results.filter((r) => r.kind === kind).map(judgedTracked);
    if (v.some((x) => x !== null)) console.log(`- ${kind}: ${spread(v)}`);
  }
  const stillShapes = results.filter((r) => r.kind === 'print-still').flatMap((r) => evidence.get(r)!.shapes);
  if (stillShapes.length) console.log(`Face shape ratio on still prints (hand tremor and mesh noise only: what a real blink's frames would show), ${stillShapes.length} frames: 0.1st pct ${quantile(stillShapes, 0.001).toFixed(3)}, 1st pct ${quantile(stillShapes, 0.01).toFixed(3)}, median ${quantile(stillShapes, 0.5).toFixed(3)} (blink frames count above ${T.blinkMinShapeRatio})`);
  console.log(`Landmark noise, first two frames: one-plane RMS residual median ${quantile(still, 0.5).toFixed(4)}, 95th pct ${quantile(still, 0.95).toFixed(4)} (eye-corner distances)`);
  const real = results.flatMap((r) => r.realTurn ?? []);
  for (const factor of [1, 1.5]) {
    const rs = real.filter((r) => r.factor === factor);
    if (!rs.length) continue;
    const m = rs.map((r) => Math.min(r.parallax, r.foldParallax));
    console.log(`Real side (${rs.length} measured meshes turned ±${T.turnDegrees * factor}° / nodded ${T.nodDegrees * factor}°, landmark noise SD ${REAL_SIDE_NOISE}): min(parallax, fold parallax) min ${quantile(m, 0).toFixed(2)}, 1st pct ${quantile(m, 0.01).toFixed(2)}, median ${quantile(m, 0.5).toFixed(2)}; one-plane RMS median ${quantile(rs.map((r) => r.onePlane), 0.5).toFixed(4)}`);
  }
  // What a stricter movement would buy against the attacks (BPCER's side needs the site's clips: face-match --clips).
  console.log('\nIf the judges asked for more movement (attacks accepted on the mimicked turn / nod):');
  for (const [turnDegrees, nodDegrees] of [[20, 15], [25, 20], [30, 25]] as const) {
    const accepted = (c: ChallengeKind) => results.filter((r) => r.mimic === c && judgeAll(r.observations, { turnDegrees, nodDegrees, ...(untracked(r) ? { trackedParallaxMin: 0 } : {}) })[c]!.decision === 'live');
    const turns = [...accepted('turn-left'), ...accepted('turn-right')];
    const nods = accepted('nod');
    console.log(`- turn ≥ ${turnDegrees}°, nod ≥ ${nodDegrees}°: turns ${turns.length}/${results.filter((r) => r.mimic.startsWith('turn')).length} (${turns.map((r) => r.kind).join(', ') || '—'}), nods ${nods.length}/${results.filter((r) => r.mimic === 'nod').length} (${nods.map((r) => r.kind).join(', ') || '—'})`);
  }
  const ms = results.map((r) => r.ms / r.frames);
  console.log(`\nPer frame (render + engine + quality): median ${quantile(ms, 0.5).toFixed(1)} ms`);
}

/** BPCER on rendered real heads (head.ts), and the real side of both depth checks' margins. */
function bonaFideReport(heads: readonly SequenceResult[]): void {
  if (heads.length === 0) return;
  console.log(`${heads.length} rendered real heads (head.ts), ${new Set(heads.map((r) => r.person)).size} people\n`);
  console.log('| move | sequences | live | not live | reasons (count) | rendered peak ° (min–max) |');
  console.log('|---|---|---|---|---|---|');
  for (const move of ['turn-left', 'turn-right', 'nod'] as const) {
    const rs = heads.filter((r) => r.mimic === move);
    if (rs.length === 0) continue;
    const live = rs.filter((r) => r.decisions[move]!.decision === 'live').length;
    const counts = new Map<string, number>();
    for (const r of rs) for (const reason of r.decisions[move]!.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    const peaks = rs.map((r) => Math.abs(Number(r.describe.peakDeg))).filter(Number.isFinite);
    console.log(`| ${move} | ${rs.length} | ${live} | ${rs.length - live} | ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ') || '—'} | ${peaks.length ? `${Math.min(...peaks).toFixed(0)}–${Math.max(...peaks).toFixed(0)}` : '—'} |`);
  }
  const ev = heads.map((r) => motionEvidence(r.observations));
  const side = (pick: (e: MotionEvidence) => number | null) => {
    const v = ev.map(pick).filter((x): x is number => x !== null);
    return v.length ? `min ${quantile(v, 0).toFixed(2)}, 1st pct ${quantile(v, 0.01).toFixed(2)}, 5th pct ${quantile(v, 0.05).toFixed(2)}, median ${quantile(v, 0.5).toFixed(2)} (${v.length})` : '—';
  };
  console.log(`\nReal side, at each head's furthest frame: mesh min(parallax, fold parallax) ${side((e) => (e.parallax === null ? null : Math.min(e.parallax, e.foldParallax!)))}`);
  console.log(`Real side, tracked points: min(parallax, fold parallax) ${side((e) => (e.trackedParallax === null ? null : Math.min(e.trackedParallax, e.trackedFoldParallax!)))}`);
  console.log(`Real side, the judge's own followed-point statistic (median of the ≤ 3 furthest frames from half the asked angle): ${spread(heads.map(judgedTracked))} (threshold ${T.trackedParallaxMin})\n`);
}

// Last, so every constant above is initialised before either runs.
if (values.report) report(positionals);
else await run();
