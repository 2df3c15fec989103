// The attack generator: honest pinhole geometry, its sign conventions, timelines, the screen's sub-pixel grid,
// sensor noise and determinism. Small frames and a few renders each; the face models are not run here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FACE_DATA } from '../../test-faces.ts';
import { assertThrowsCode } from '../../../drivers/test-assert.ts';
import { mul3, pinholeCamera, poseRotation, project, rotationYaw, textureHomography, textureToPlane, type PlanePose } from './camera.ts';
import { motionScript } from './motion.ts';
import { floatFrame } from './render.ts';
import { AttackRenderer, foldHomographies, planAttack, sheetShade } from './scene.ts';
import { DEVICES, emissionTable, renderDevice, sampleDisplay, STRIPE_LIT, type DisplayContent } from './screen.ts';
import { ATTACK_KINDS, MIMICKED_ACTIONS, describeAttack, renderAttack, type AttackSpec, type RgbImage } from './index.ts';

async function lfwFace(index: number): Promise<RgbImage> {
  const person = readdirSync(FACE_DATA).sort()[index]!;
  const file = readdirSync(join(FACE_DATA, person)).filter((f) => f.endsWith('.jpg')).sort()[0]!;
  const { data, info } = await sharp(join(FACE_DATA, person, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

const face = await lfwFace(0);
const attacker = await lfwFace(1);
const small = { width: 320, height: 180 };
const spec = (kind: AttackSpec['kind'], mimic: AttackSpec['mimic'], seed = 11): AttackSpec => ({ kind, mimic, face, attacker, seed, ...small });

const fronto = (z: number, extra: Partial<PlanePose> = {}): PlanePose => ({ yawDeg: 0, pitchDeg: 0, rollDeg: 0, x: 0, y: 0, z, ...extra });

test('a fronto-parallel print at distance d spans f·W/d pixels (pinhole)', () => {
  const camera = pinholeCamera(1280, 720);
  assert.ok(Math.abs(camera.focalPx - 640 / Math.tan((31 * Math.PI) / 180)) < 1e-9, '62° horizontal field of view');
  const widthM = 0.19;
  const texturePx = 250;
  for (const d of [0.35, 0.5, 0.7]) {
    const h = textureHomography(camera, fronto(d), textureToPlane(widthM / texturePx, texturePx / 2, texturePx / 2));
    const left = project(h, 0, texturePx / 2);
    const right = project(h, texturePx, texturePx / 2);
    assert.ok(Math.abs(right[0] - left[0] - (camera.focalPx * widthM) / d) < 1e-6, `width at ${d} m`);
    const centre = project(h, texturePx / 2, texturePx / 2);
    assert.ok(Math.abs(centre[0] - 640) < 1e-9 && Math.abs(centre[1] - 360) < 1e-9, 'centred on the principal point');
  }
});

test('a print turned about its vertical axis: its near edge is taller than its far edge (perspective)', () => {
  const camera = pinholeCamera(1280, 720);
  const toPlane = textureToPlane(0.19 / 250, 125, 125);
  const h = textureHomography(camera, fronto(0.5, { yawDeg: 40 }), toPlane);
  const edgeHeight = (u: number): number => project(h, u, 250)[1] - project(h, u, 0)[1];
  // yaw > 0: the right edge (image right) goes away, so it is the shorter one.
  assert.ok(edgeHeight(0) > edgeHeight(250) * 1.2, `left ${edgeHeight(0)} vs right ${edgeHeight(250)}`);
  const nod = textureHomography(camera, fronto(0.5, { pitchDeg: 30 }), toPlane);
  const edgeWidth = (v: number): number => project(nod, 250, v)[0] - project(nod, 0, v)[0];
  assert.ok(edgeWidth(250) > edgeWidth(0) * 1.1, 'pitch > 0: the top edge goes away, narrower');
});

test('turn-left tilts the print\'s right edge (image right) away from the camera, turn-right the left edge', () => {
  for (const [mimic, sign] of [['turn-left', 1], ['turn-right', -1]] as const) {
    const script = motionScript('print-tilt', mimic, 5, 0.5);
    const peak = script.poseAt(script.params.peakAtMs, true);
    assert.is(Math.sign(script.params.peakTiltDeg), sign);
    const r = poseRotation(peak);
    const rightEdgeZ = r[6] * 0.1; // z of the plane point (u = +10 cm, v = 0) relative to the centre
    assert.is(Math.sign(rightEdgeZ), sign, `${mimic}: right edge ${sign > 0 ? 'away' : 'nearer'}`);
    const described = describeAttack(spec('print-tilt', mimic, 5));
    assert.is(described.axis, 'vertical');
    assert.is(Math.sign(Number(described.peakTiltDeg)), sign);
  }
  const nod = motionScript('print-tilt', 'nod', 5, 0.5);
  const top = poseRotation(nod.poseAt(nod.params.peakAtMs, true));
  assert.ok(top[7] * -0.1 < 0, 'nod: the top edge (v < 0) comes nearer (chin down)');
});

test('the fold\'s two halves meet along the fold line in the image, the ridge nearest the camera', () => {
  const camera = pinholeCamera(1280, 720);
  const plan = planAttack(spec('print-fold', 'turn-left'));
  const texture = { width: 280, height: 280 };
  const pose = fronto(0.5, { yawDeg: 30, pitchDeg: 5, rollDeg: 3 });
  const { left, right } = foldHomographies(camera, plan, pose, texture, 0.19 / 250);
  for (const v of [0, 70, 140, 280]) {
    const a = project(left, 140, v);
    const b = project(right, 140, v);
    assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) < 1e-6, `continuous at v=${v}`);
  }
  // Off the fold, the two homographies differ (two planes, not one).
  const a = project(left, 20, 140);
  const b = project(right, 20, 140);
  assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) > 1);
  assert.ok(plan.foldDeg >= 140 && plan.foldDeg <= 160);
  // Matte shading: a sheet facing the camera keeps its printed brightness; the two halves catch the light differently.
  assert.ok(Math.abs(sheetShade(plan, poseRotation(fronto(0.5))) - 1) < 1e-12);
  const half = (180 - plan.foldDeg) / 2;
  const r = poseRotation(pose);
  assert.ok(Math.abs(sheetShade(plan, mul3(r, rotationYaw(-half))) - sheetShade(plan, mul3(r, rotationYaw(half)))) > 0.005);
});

test('the same spec and seed give byte-identical frames; another seed differs', () => {
  const take = (s: AttackSpec): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (const f of renderAttack(s)) {
      out.push(f.rgb);
      if (out.length === 2) break;
    }
    return out;
  };
  for (const kind of ['print-tilt', 'screen-still'] as const) {
    const a = take(spec(kind, 'nod', 3));
    const b = take(spec(kind, 'nod', 3));
    const c = take(spec(kind, 'nod', 4));
    assert.ok(Buffer.from(a[1]!).equals(Buffer.from(b[1]!)), `${kind}: same seed`);
    assert.not.ok(Buffer.from(a[1]!).equals(Buffer.from(c[1]!)), `${kind}: other seed`);
    assert.not.ok(Buffer.from(a[0]!).equals(Buffer.from(a[1]!)), `${kind}: frames differ (noise, tremor)`);
  }
});

test('frames are 1000/fps ms apart; still before actionStart; at the peak the seeded tilt', () => {
  const s = { ...spec('print-tilt', 'turn-right', 9), fps: 24, durationMs: 500 };
  const times = [...renderAttack(s)].map((f) => f.t);
  assert.is(times.length, 12);
  times.forEach((t, i) => assert.ok(Math.abs(t - (i * 1000) / 24) < 1e-9));
  const renderer = new AttackRenderer(spec('print-tilt', 'turn-right', 9));
  const { actionStartMs, peakAtMs, peakTiltDeg, rest } = renderer.plan.motion.params;
  assert.ok(actionStartMs >= 900 && actionStartMs <= 1300);
  const d = describeAttack(spec('print-tilt', 'turn-right', 9));
  assert.is(d.actionStartMs, actionStartMs);
  assert.ok(Math.abs(-Number(d.peakTiltDeg)) >= 25 && Math.abs(Number(d.peakTiltDeg)) <= 55);
  for (let t = 0; t < actionStartMs; t += 1000 / 15) {
    const p = renderer.poseAt(t);
    assert.ok(Math.abs(p.yawDeg - rest.yawDeg) < 1 && Math.abs(p.pitchDeg - rest.pitchDeg) < 1, `still at ${t}`);
    assert.ok(Math.abs(p.z - rest.z) < 0.005 && Math.abs(p.x - rest.x) < 0.005, `tremor only at ${t}`);
  }
  const peak = renderer.plan.motion.poseAt(peakAtMs, true);
  assert.ok(Math.abs(peak.yawDeg - rest.yawDeg - peakTiltDeg) < 1e-9);
  // Held still after the action, to the end.
  const end = renderer.plan.motion.poseAt(3500, true);
  assert.ok(Math.abs(end.yawDeg - rest.yawDeg) < 1e-9);
  // A blink flick is fast: out and back within 200–350 ms, 45–70° about the horizontal axis.
  const flick = describeAttack(spec('print-tilt', 'blink', 9));
  assert.is(flick.axis, 'horizontal');
  assert.ok(Number(flick.actionMs) >= 200 && Number(flick.actionMs) <= 350);
  assert.ok(Number(flick.peakTiltDeg) >= 45 && Number(flick.peakTiltDeg) <= 70);
});

test('the display emits through R, G, B stripes at its sub-pixel pitch, and the bezel is dark', () => {
  const white: DisplayContent = { rgb: new Uint8Array(4 * 4 * 3).fill(255), sourceSize: 4, size: 4, x0: 0, y0: 0, emission: emissionTable(1, 1, 0) };
  // Walk across one row finely: the lit channel cycles R, G, B every third of a display pixel, black in between.
  const seen: string[] = [];
  const acc = new Float32Array(3);
  for (let k = 0; k < 48; k++) {
    acc.fill(0);
    sampleDisplay(white, 1 + (k + 0.5) / 24, 1.5, acc);
    seen.push(acc[0]! > 0 ? 'R' : acc[1]! > 0 ? 'G' : acc[2]! > 0 ? 'B' : '.');
  }
  const period = seen.slice(0, 24).join('');
  assert.is(seen.slice(24).join(''), period, 'periodic at the display pitch');
  assert.match(period, /^\.R+\.+G+\.+B+\.$/);
  // Averaged over a pixel the stripes give the content value back.
  const mean = [0, 0, 0];
  const n = 60;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      acc.fill(0);
      sampleDisplay(white, 1 + (i + 0.5) / n, 1 + (j + 0.5) / n, acc);
      for (let c = 0; c < 3; c++) mean[c]! += acc[c]! / (n * n);
    }
  }
  for (const m of mean) assert.ok(Math.abs(m - 255) < 255 * 0.05, `mean ${m}`);
  assert.ok(STRIPE_LIT.u1 - STRIPE_LIT.u0 < 1);

  const phone = DEVICES.find((d) => d.name === 'phone')!;
  const camera = pinholeCamera(320, 320);
  const frame = floatFrame(320, 320);
  const display: DisplayContent = { rgb: new Uint8Array(50 * 50 * 3).fill(200), sourceSize: 50, size: phone.contentPx, x0: 0, y0: (phone.rows - phone.contentPx) / 2, emission: emissionTable(1, 1, 1) };
  const pose = fronto(0.4);
  const h = textureHomography(camera, pose, textureToPlane(phone.pitchMm / 1000, phone.cols / 2, phone.rows / 2));
  renderDevice(frame, phone, display, h, { u: 0, v: 0, radius: 1, strength: 0 });
  const at = (u: number, v: number): number[] => {
    const [x, y] = project(h, u, v).map(Math.floor) as [number, number];
    return [...frame.data.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3)];
  };
  const bezelPx = phone.bezelMm / phone.pitchMm;
  for (const v of at(phone.cols / 2, -bezelPx / 2)) assert.ok(v < 20, `bezel ${v}`);
  for (const v of at(phone.cols / 2, phone.rows / 2)) assert.ok(v > 150, `content ${v}`);
  for (const v of at(phone.cols / 2, phone.rows - 50)) assert.ok(v < 10, `the viewer's black around the photo ${v}`);
});

test('two frames of a perfectly still print differ only by noise of about the set σ', () => {
  const renderer = new AttackRenderer({ ...spec('print-still', 'blink', 21), width: 640, height: 360 }, { still: true });
  const a = renderer.render(1).rgb;
  const b = renderer.render(2).rgb;
  const { readSigma, shotGain } = renderer.plan.sensor;
  let sumSq = 0;
  let sum = 0;
  let expected = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const level = (a[i]! + b[i]!) / 2;
    if (level < 15 || level > 240) continue; // clipping would hide noise
    const d = a[i]! - b[i]!;
    sum += d;
    sumSq += d * d;
    expected += 2 * (readSigma ** 2 + shotGain * level) + 1 / 6; // two frames' noise + two quantisations
    n++;
  }
  const measured = Math.sqrt(sumSq / n);
  const predicted = Math.sqrt(expected / n);
  assert.ok(n > a.length * 0.9);
  assert.ok(Math.abs(sum / n) < 0.1, `no offset between frames: ${sum / n}`);
  assert.ok(Math.abs(measured / predicted - 1) < 0.1, `σ(diff) ${measured.toFixed(2)} vs ${predicted.toFixed(2)} (σ read ${readSigma.toFixed(2)})`);
});

test('every kind renders a frame of the requested size for every mimic', () => {
  for (const kind of ATTACK_KINDS) {
    for (const mimic of MIMICKED_ACTIONS) {
      const renderer = new AttackRenderer(spec(kind, mimic, 2));
      const frame = renderer.render(Math.round((renderer.plan.motion.params.peakAtMs * 15) / 1000));
      assert.is(frame.width, 320);
      assert.is(frame.height, 180);
      assert.is(frame.rgb.length, 320 * 180 * 3);
      assert.ok(Object.keys(describeAttack(spec(kind, mimic, 2))).length > 10);
    }
  }
  assertThrowsCode(() => describeAttack({ ...spec('cutout', 'nod'), attacker: undefined }), 'INVALID_INPUT');
});

test.run();
