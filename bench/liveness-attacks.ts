/**
 * bench/liveness-attacks (issue 19): APCER per attack kind and challenge (ISO/IEC 30107-3: attack presentations
 * classified as live), on attacks generated from faces the tuning never saw, through the face step's own models.
 *
 *   node --import tsx bench/liveness-attacks.ts [--per-kind 200] [--kinds print-tilt,…] [--shard 1/2] [--out F.jsonl]
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
 * nodded in 3D by the smallest movement that counts, with the landmark noise measured on the still prints.
 * Shards run in separate processes (`--shard k/n`), then `--report` merges them.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { mulberry32, shuffle } from '../drivers/prng.ts';
import { FaceEngine, VIDEO_TRACKING } from '../models/engine.ts';
import type { RgbImage } from '../models/face-geometry.ts';
import { ATTACK_KINDS, describeAttack, renderAttack, type AttackKind } from '../models/liveness/attacks/index.ts';
import { CHALLENGE_KINDS, LivenessSession } from '../models/liveness/liveness.ts';
import { LIVENESS_OPERATING_POINT as T } from '../models/liveness/operating-point.ts';
import { planarFit, rectifiedEyeOpenness, type Point2 } from '../models/liveness/planar-motion.ts';
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
  },
});

interface SequenceResult {
  kind: AttackKind;
  mimic: ChallengeKind;
  person: string;
  seed: number;
  frames: number;
  facesFound: number;
  /** Decision under each challenge. */
  decisions: Record<string, { decision: string; reasons: string[] }>;
  /** Largest yaw / pitch excursion from the first second's median (degrees, signed as the mesh reports). */
  yawMove: number;
  pitchMove: number;
  /** Flat-picture residuals at the frame furthest out in pose (eye-corner distances), and the least rectified / raw eye openness relative to the start. */
  onePlane: number | null;
  twoPlanes: number | null;
  eyeRatioRaw: number | null;
  eyeRatioRectified: number | null;
  /** Still frames: the frame-to-frame residual (landmark noise) for the real-side model. */
  stillResidual: number | null;
  /** Real side: this person's measured mesh turned / nodded in 3D by the smallest movement that counts. */
  realTurn?: { onePlane: number; twoPlanes: number }[];
  describe: Record<string, number | string>;
  ms: number;
}

if (values.report) report(positionals);
else await run();

async function run(): Promise<void> {
  const perKind = Number(values['per-kind']);
  const kinds = (values.kinds ? values.kinds.split(',') : [...ATTACK_KINDS]) as AttackKind[];
  for (const k of kinds) if (!ATTACK_KINDS.includes(k)) throw new Error(`unknown kind ${k}; one of ${ATTACK_KINDS.join(', ')}`);
  const [shard, shards] = values.shard.split('/').map(Number) as [number, number];
  if (!existsSync(VIEW2)) throw new Error(`Face data missing: ${VIEW2}`);
  const tuned = new Set(await readdir(FACE_DATA));
  const people = (await readdir(VIEW2)).filter((p) => !tuned.has(p)).sort();
  const random = mulberry32(Number(values.seed));
  shuffle(people, random);
  const out = values.out ? createWriteStream(values.out, { flags: 'a' }) : undefined;
  const engine = await FaceEngine.load({ track: { ...VIDEO_TRACKING } });
  // An attacker picks a photo looking at the camera: victims whose photo the mesh finds near-frontal (as the
  // challenge's baseline needs), in the shuffled order — decided before any shard's work, so shards agree.
  const victims = await frontalPeople(engine, people, kinds.length * perKind);
  let n = 0;
  for (const [k, kind] of kinds.entries()) {
    for (let i = 0; i < perKind; i++) {
      if (n++ % shards !== shard - 1) continue;
      // Each kind draws its faces from its own stretch of the list, so kinds do not share a victim.
      const person = victims[(k * perKind + i) % victims.length]!;
      const attacker = people[(k * perKind + i + 7919) % people.length]!;
      const mimic = CHALLENGE_KINDS[i % CHALLENGE_KINDS.length]!;
      const result = await runSequence(engine, kind, mimic, person, attacker, Number(values.seed) * 1_000_003 + k * 10_007 + i);
      const line = JSON.stringify(result);
      if (out) out.write(`${line}\n`);
      const mine = result.decisions[mimic]!;
      console.error(`${kind} ${i + 1}/${perKind} ${mimic} ${person}: ${mine.decision} [${mine.reasons.join(',')}] yaw ${result.yawMove.toFixed(1)} pitch ${result.pitchMove.toFixed(1)} 1p ${fmt(result.onePlane)} 2p ${fmt(result.twoPlanes)} faces ${result.facesFound}/${result.frames} ${result.ms.toFixed(0)} ms`);
    }
  }
  await engine.close();
  await new Promise<void>((done) => (out ? out.end(done) : done()));
}

async function frontalPeople(engine: FaceEngine, people: readonly string[], wanted: number): Promise<string[]> {
  const out: string[] = [];
  for (const person of people) {
    if (out.length >= wanted) break;
    const [face] = await engine.analyze(await loadFace(person));
    if (face && Math.abs(face.yaw) <= 10 && Math.abs(face.pitch) <= 10) out.push(person);
  }
  console.error(`${out.length} near-frontal victims of ${people.length} people`);
  return out;
}

async function loadFace(person: string): Promise<RgbImage> {
  const dir = join(VIEW2, person);
  const file = (await readdir(dir)).sort()[0]!;
  const { data, info } = await sharp(join(dir, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

async function runSequence(engine: FaceEngine, kind: AttackKind, mimic: ChallengeKind, person: string, attackerName: string, seed: number): Promise<SequenceResult> {
  const started = performance.now();
  const face = await loadFace(person);
  const attacker = await loadFace(attackerName);
  const spec = { kind, mimic, face, attacker, seed, fps: Number(values.fps) };
  const t0 = 1_000_000;
  const observations: FaceObservation[] = [];
  let frames = 0;
  let firstMesh: ReturnType<FaceEngine['meshOf']>;
  for (const frame of renderAttack(spec)) {
    frames++;
    const faces = await engine.analyze({ rgb: frame.rgb, width: frame.width, height: frame.height }, { sequence: frames, timestamp: t0 + frame.t });
    const quality = assessQuality(faces);
    // As the face step: the liveness session sees the main face unless there is none or more than one.
    if (faces[0] && quality.guidance !== 'no-face' && quality.guidance !== 'multiple-faces') {
      observations.push(faces[0]);
      firstMesh ??= engine.meshOf(faces[0]);
    }
  }
  const decisions: SequenceResult['decisions'] = {};
  for (const challenge of CHALLENGE_KINDS) {
    const session = new LivenessSession({ challenge });
    for (const o of observations) session.observe(o);
    const r = session.result();
    decisions[challenge] = { decision: r.decision, reasons: r.reasons };
  }
  return {
    kind,
    mimic,
    person,
    seed,
    frames,
    facesFound: observations.length,
    decisions,
    ...motionEvidence(observations),
    ...(kind === 'print-still' && firstMesh ? { realTurn: realMotions(firstMesh) } : {}),
    describe: describeAttack(spec),
    ms: performance.now() - started,
  };
}

/** What the checks see: the pose excursion, the residuals at the furthest frame, the eyes at their narrowest. */
function motionEvidence(obs: FaceObservation[]): Pick<SequenceResult, 'yawMove' | 'pitchMove' | 'onePlane' | 'twoPlanes' | 'eyeRatioRaw' | 'eyeRatioRectified' | 'stillResidual'> {
  const empty = { yawMove: 0, pitchMove: 0, onePlane: null, twoPlanes: null, eyeRatioRaw: null, eyeRatioRectified: null, stillResidual: null };
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
  const open = eyeOpenness(reference);
  for (const o of obs) {
    const dy = o.yaw - yaw0;
    const dp = o.pitch - pitch0;
    if (Math.abs(dy) > Math.abs(yawMove)) yawMove = dy;
    if (Math.abs(dp) > Math.abs(pitchMove)) pitchMove = dp;
    if (Math.hypot(dy, dp) > far) [far, furthest] = [Math.hypot(dy, dp), o];
    const e = eyeOpenness(o);
    if (open && e !== null) raw = Math.min(raw, e / open);
    const r = rectifiedEyeOpenness(reference.landmarks as Point2[] | undefined, o.landmarks as Point2[] | undefined);
    if (open && r !== null) rectified = Math.min(rectified, r / open);
  }
  const fit = planarFit(reference.landmarks as Point2[] | undefined, furthest.landmarks as Point2[] | undefined);
  const still = base.length >= 2 ? planarFit(base[0]!.landmarks as Point2[] | undefined, base[1]!.landmarks as Point2[] | undefined) : null;
  return {
    yawMove,
    pitchMove,
    onePlane: fit?.onePlane ?? null,
    twoPlanes: fit?.twoPlanes ?? null,
    eyeRatioRaw: Number.isFinite(raw) ? raw : null,
    eyeRatioRectified: Number.isFinite(rectified) ? rectified : null,
    stillResidual: still?.onePlane ?? null,
  };
}

/**
 * The real side of the margin, for this person: the mesh the engine measured on the first still frame, turned
 * and nodded in 3D about the head's centre (≈ 1 eye-corner distance behind the eye corners) by the smallest
 * movement the judges accept, projected by the same pinhole camera, without noise (added in the report, from the
 * still prints' measured landmark noise).
 */
function realMotions(mesh: NonNullable<ReturnType<FaceEngine['meshOf']>>): { onePlane: number; twoPlanes: number }[] {
  const out: { onePlane: number; twoPlanes: number }[] = [];
  for (const [yaw, pitch] of [
    [T.turnDegrees, 0],
    [-T.turnDegrees, 0],
    [0, -T.nodDegrees],
  ] as const) {
    const points = meshInEyeFrame(mesh);
    const at = (yawDeg: number, pitchDeg: number) => projectPoints(points, { yaw: yawDeg, pitch: pitchDeg, centre: [640, 360], eyeDistance: 100, noise: () => 0 });
    const fit = planarFit(at(0, 0), at(yaw, pitch));
    if (fit) out.push(fit);
  }
  return out;
}

function fmt(x: number | null, d = 4): string {
  return x === null ? '—' : x.toFixed(d);
}

/** Merges shard files and prints the tables for bench/RESULTS.md. */
function report(files: string[]): void {
  const results: SequenceResult[] = files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SequenceResult),
  );
  const kinds = ATTACK_KINDS.filter((k) => results.some((r) => r.kind === k));
  const live = (r: SequenceResult, c: string) => r.decisions[c]?.decision === 'live';
  console.log(`${results.length} attack sequences, ${new Set(results.map((r) => r.person)).size} victims (lfw-view2-dev people not in lfw-dev)\n`);
  console.log(`| attack kind | sequences | ${CHALLENGE_KINDS.map((c) => `APCER ${c} (mimicked)`).join(' | ')} | accepted under any challenge | face found in frames |`);
  console.log(`|---|---|${CHALLENGE_KINDS.map(() => '---').join('|')}|---|---|`);
  for (const kind of kinds) {
    const rs = results.filter((r) => r.kind === kind);
    const cells = CHALLENGE_KINDS.map((c) => {
      const m = rs.filter((r) => r.mimic === c);
      return `${m.filter((r) => live(r, c)).length}/${m.length}`;
    });
    const any = rs.filter((r) => CHALLENGE_KINDS.some((c) => live(r, c))).length;
    const found = rs.reduce((a, r) => a + r.facesFound, 0) / Math.max(1, rs.reduce((a, r) => a + r.frames, 0));
    console.log(`| ${kind} | ${rs.length} | ${cells.join(' | ')} | ${any}/${rs.length} | ${(100 * found).toFixed(1)} % |`);
  }
  console.log('\nWhat stopped the mimicked challenge (reason counts, per kind):');
  for (const kind of kinds) {
    const counts = new Map<string, number>();
    for (const r of results.filter((x) => x.kind === kind)) for (const reason of r.decisions[r.mimic]!.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    console.log(`- ${kind}: ${[...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log('\nThe pose estimate fooled (the known hole), and what the flat-picture checks saw there:');
  console.log('| attack kind | mimic | pose moved ≥ the judge\'s angle | their one-plane residual max | two-plane max | eye ratio raw min | rectified min |');
  console.log('|---|---|---|---|---|---|---|');
  for (const kind of kinds) {
    for (const c of CHALLENGE_KINDS) {
      const rs = results.filter((r) => r.kind === kind && r.mimic === c);
      if (rs.length === 0) continue;
      const moved = rs.filter((r) => (c === 'nod' ? -r.pitchMove >= T.nodDegrees : c === 'blink' ? false : Math.abs(r.yawMove) >= T.turnDegrees));
      const max = (xs: (number | null)[]) => {
        const v = xs.filter((x): x is number => x !== null);
        return v.length ? Math.max(...v).toFixed(4) : '—';
      };
      const min = (xs: (number | null)[]) => {
        const v = xs.filter((x): x is number => x !== null);
        return v.length ? Math.min(...v).toFixed(2) : '—';
      };
      console.log(`| ${kind} | ${c} | ${moved.length}/${rs.length} | ${max(moved.map((r) => r.onePlane))} | ${max(moved.map((r) => r.twoPlanes))} | ${c === 'blink' ? min(rs.map((r) => r.eyeRatioRaw)) : ''} | ${c === 'blink' ? min(rs.map((r) => r.eyeRatioRectified)) : ''} |`);
    }
  }
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
  };
  // Attack side: every flat-picture residual at the furthest frame, all kinds that are a plane or two.
  const attackOne = results.map((r) => r.onePlane).filter((x): x is number => x !== null);
  const attackTwo = results.map((r) => r.twoPlanes).filter((x): x is number => x !== null);
  const still = results.map((r) => r.stillResidual).filter((x): x is number => x !== null);
  console.log(`\nAttack side (${attackOne.length} sequences, furthest frame): one-plane residual median ${q(attackOne, 0.5).toFixed(4)}, 99th pct ${q(attackOne, 0.99).toFixed(4)}, max ${q(attackOne, 1).toFixed(4)} (threshold ${T.planarResidualMin}); two-plane median ${q(attackTwo, 0.5).toFixed(4)}, 99th ${q(attackTwo, 0.99).toFixed(4)}, max ${q(attackTwo, 1).toFixed(4)} (threshold ${T.foldResidualMin})`);
  console.log(`Landmark noise, consecutive still frames: one-plane residual median ${q(still, 0.5).toFixed(4)}, 95th ${q(still, 0.95).toFixed(4)}`);
  const real = results.flatMap((r) => r.realTurn ?? []);
  if (real.length) {
    // Noise as measured on the prints: adds in quadrature to an exact residual (independent per point).
    const noise = q(still, 0.5);
    const withNoise = (x: number) => Math.sqrt(x * x + noise * noise);
    const one = real.map((r) => withNoise(r.onePlane));
    const two = real.map((r) => withNoise(r.twoPlanes));
    console.log(`Real side (${real.length} measured meshes turned ${T.turnDegrees}° / nodded ${T.nodDegrees}°, noise ${noise.toFixed(4)} added): one-plane min ${q(one, 0).toFixed(4)}, 1st pct ${q(one, 0.01).toFixed(4)}, median ${q(one, 0.5).toFixed(4)}; two-plane min ${q(two, 0).toFixed(4)}, 1st pct ${q(two, 0.01).toFixed(4)}, median ${q(two, 0.5).toFixed(4)}`);
  }
  const ms = results.map((r) => r.ms / r.frames);
  console.log(`\nPer frame (render + engine + quality): median ${q(ms, 0.5).toFixed(1)} ms`);
}
