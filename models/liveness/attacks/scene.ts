/**
 * One attack sequence: its seeded plan (sizes, distances, device, lighting, sensor) and a renderer that draws frame
 * after frame into one reused float buffer and hands out a fresh 8-bit frame each time.
 */
import { mulberry32 } from '../../../drivers/prng.ts';
import { XacminhError } from '../../../drivers/errors.ts';
import { mul3, pinholeCamera, planeNormal, poseRotation, rotationYaw, textureHomography, textureToPlane, type Mat3, type PinholeCamera, type PlanePose } from './camera.ts';
import { motionScript, type MotionScript } from './motion.ts';
import { floatFrame, indoorBackground, renderPlane, unionRect, EMPTY_RECT, type FloatFrame, type Rect, type Texture } from './render.ts';
import { DEVICES, emissionTable, renderDevice, type DisplayContent, type DisplayDevice } from './screen.ts';
import { defocus, expose, type SensorSettings } from './sensor.ts';
import type { AttackFrame, AttackSpec, MimickedAction, RgbImage } from './spec.ts';

/**
 * Human's face box height over the projected width of the LFW photo it is found in (measured on our frames and on
 * raw photos: 0.6–0.97 depending on the photo, ~0.8 typical), to size prints and screens so the camera sees a
 * face box of about 200–300 px, as of a customer.
 */
export const LFW_BOX_SHARE = 0.8;

export interface PrintPlan {
  photoWidthM: number;
  marginM: number;
  inkBlack: number;
  inkWhite: number;
  desaturate: number;
  paper: number;
}

export interface AttackPlan {
  fps: number;
  durationMs: number;
  width: number;
  height: number;
  distanceM: number;
  /** The face box height (Human's box, px) the sizes were chosen for. */
  targetBoxPx: number;
  print: PrintPlan;
  /** print-fold: the angle between the two halves, degrees (180 = flat). */
  foldDeg: number;
  device: DisplayDevice | null;
  displayGammaRatio: number;
  displayBrightness: number;
  glareStrength: number;
  /** Unit vector towards the room's main light (camera coordinates), and its diffuse share of the light on a sheet. */
  lightDir: [number, number, number];
  diffuse: number;
  /** cutout: the attacker's face behind, how far and how large relative to the cut-out. */
  attackerGapM: number;
  attackerScale: number;
  sensor: SensorSettings;
  motion: MotionScript;
}

function between(random: () => number, lo: number, hi: number): number {
  return lo + random() * (hi - lo);
}

/** A ceiling or window light: above and in front of the sheet (towards the camera side), a little to one side. */
function lightDirection(random: () => number): [number, number, number] {
  const x = between(random, -0.5, 0.5);
  const y = between(random, -0.9, -0.4);
  const z = between(random, -1, -0.5);
  const n = Math.hypot(x, y, z);
  return [x / n, y / n, z / n];
}

/**
 * Lambertian shading of a matte sheet with normal `normal`: ambient plus diffuse, normalised so a sheet facing the
 * camera keeps its printed brightness; a half of a fold or a tilted print turns into or out of the light.
 */
export function sheetShade(plan: AttackPlan, rotation: Mat3): number {
  const l = plan.lightDir;
  const lambert = (n: readonly number[]): number => Math.max(0, n[0]! * l[0] + n[1]! * l[1] + n[2]! * l[2]);
  const facing = (1 - plan.diffuse) + plan.diffuse * lambert([0, 0, -1]);
  return ((1 - plan.diffuse) + plan.diffuse * lambert(planeNormal(rotation))) / facing;
}

export function planAttack(spec: AttackSpec): AttackPlan {
  const fps = spec.fps ?? 15;
  const durationMs = spec.durationMs ?? 3600;
  const width = spec.width ?? 1280;
  const height = spec.height ?? 720;
  if (!(fps > 0 && durationMs > 0 && width >= 16 && height >= 16)) {
    throw new XacminhError('INVALID_INPUT', `attack spec: fps, durationMs must be > 0 and the frame at least 16×16 (got ${fps}, ${durationMs}, ${width}×${height})`);
  }
  if (spec.kind === 'cutout' && !spec.attacker) throw new XacminhError('INVALID_INPUT', 'attack spec: a cutout needs the attacker photo');
  const random = mulberry32(spec.seed);
  const camera = pinholeCamera(width, height);
  const targetBoxPx = between(random, 210, 300) * (width / 1280);
  let distanceM = between(random, 0.4, 0.65);
  const print: PrintPlan = {
    // 10–23 cm wide: from a small photo print to most of an A4 sheet, whatever gives the face box at that distance.
    photoWidthM: (targetBoxPx * distanceM) / (camera.focalPx * LFW_BOX_SHARE),
    marginM: between(random, 0.01, 0.015),
    inkBlack: between(random, 18, 35),
    inkWhite: between(random, 212, 232),
    desaturate: between(random, 0.08, 0.2),
    paper: between(random, 232, 246),
  };
  const screen = spec.kind === 'screen-still' || spec.kind === 'screen-clip';
  const device = screen ? DEVICES[Math.floor(random() * DEVICES.length)]! : null;
  if (device) {
    // The attacker brings the device as close as needed for the same face box.
    distanceM = (camera.focalPx * device.contentPx * (device.pitchMm / 1000) * LFW_BOX_SHARE) / targetBoxPx;
  }
  const plan: AttackPlan = {
    fps, durationMs, width, height, distanceM, targetBoxPx, print,
    foldDeg: between(random, 140, 160),
    device,
    displayGammaRatio: between(random, 0.9, 1.1),
    displayBrightness: between(random, 0.8, 1.05),
    glareStrength: between(random, 20, 60),
    lightDir: lightDirection(random),
    diffuse: between(random, 0.3, 0.5),
    attackerGapM: between(random, 0.03, 0.06),
    attackerScale: between(random, 0.88, 0.95),
    sensor: {
      gain: between(random, 0.8, 1.12),
      offset: between(random, -6, 8),
      readSigma: between(random, 2, 4),
      shotGain: between(random, 0.02, 0.05),
      blurSide: between(random, 0.12, 0.25),
    },
    motion: motionScript(spec.kind, spec.mimic, spec.seed, distanceM),
  };
  return plan;
}

/** The photo as printed: ink compresses the range, colours lose a little saturation; a paper margin around it. */
export function printTexture(photo: RgbImage, print: PrintPlan): { texture: Texture; metresPerPx: number; marginPx: number } {
  const metresPerPx = print.photoWidthM / photo.width;
  const marginPx = Math.round(print.marginM / metresPerPx);
  const width = photo.width + 2 * marginPx;
  const height = photo.height + 2 * marginPx;
  const rgb = new Float32Array(width * height * 3).fill(print.paper);
  const scale = (print.inkWhite - print.inkBlack) / 255;
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      const i = (y * photo.width + x) * 3;
      const r = photo.rgb[i]!;
      const g = photo.rgb[i + 1]!;
      const b = photo.rgb[i + 2]!;
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      const o = ((y + marginPx) * width + x + marginPx) * 3;
      rgb[o] = print.inkBlack + scale * (r + (luma - r) * print.desaturate);
      rgb[o + 1] = print.inkBlack + scale * (g + (luma - g) * print.desaturate);
      rgb[o + 2] = print.inkBlack + scale * (b + (luma - b) * print.desaturate);
    }
  }
  return { texture: { rgb, width, height }, metresPerPx, marginPx };
}

/** cutout: the face cut along an oval (hairline to chin, cheek to cheek), everything else removed. */
export function cutoutTexture(photo: RgbImage, print: PrintPlan): Texture {
  const { texture, marginPx } = printTexture(photo, print);
  const alpha = new Float32Array(texture.width * texture.height);
  const cx = marginPx + photo.width * 0.5;
  const cy = marginPx + photo.height * 0.5;
  const a = photo.width * 0.27;
  const b = photo.height * 0.37;
  for (let y = 0; y < texture.height; y++) {
    for (let x = 0; x < texture.width; x++) {
      // Signed distance to the oval, approximately in pixels: a one-pixel soft edge (scissors, not a stencil).
      const r = Math.hypot((x + 0.5 - cx) / a, (y + 0.5 - cy) / b);
      alpha[y * texture.width + x] = Math.min(1, Math.max(0, (1 - r) * Math.min(a, b) + 0.5));
    }
  }
  return { ...texture, alpha };
}

/** The attacker's still photo, its edges feathered into the wall (we have no matte of the attacker). */
function attackerTexture(photo: RgbImage): Texture {
  const rgb = new Float32Array(photo.rgb.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = photo.rgb[i]!;
  const alpha = new Float32Array(photo.width * photo.height);
  const feather = 0.18 * Math.min(photo.width, photo.height);
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      const edge = Math.min(x + 0.5, y + 0.5, photo.width - x - 0.5, photo.height - y - 0.5);
      alpha[y * photo.width + x] = Math.min(1, edge / feather);
    }
  }
  return { rgb, alpha, width: photo.width, height: photo.height };
}

/** screen-clip: the motion of the print-tilt attack the replayed clip recorded. */
export function clipMotion(mimic: MimickedAction, seed: number, distanceM: number): MotionScript {
  return motionScript('print-tilt', mimic, seed ^ 0xc11b, distanceM);
}

/** The replayed clip's resolution: a square crop of a phone video, which the display scales up to its content area. */
const CLIP_SIZE = 480;

/** screen-clip: a recording of a print-tilt attack. */
class ClipRecorder {
  private readonly camera: PinholeCamera;
  private readonly frame: FloatFrame;
  private readonly background: Float32Array;
  private readonly print: ReturnType<typeof printTexture>;
  readonly motion: MotionScript;
  private readonly out: Uint8Array;

  constructor(spec: AttackSpec, plan: AttackPlan, size: number) {
    this.camera = pinholeCamera(size, size);
    this.frame = floatFrame(size, size);
    this.background = indoorBackground(size, size, mulberry32(spec.seed ^ 0xc11b));
    this.print = printTexture(spec.face, plan.print);
    // Recorded close up: the photo spans the recording's width.
    const distance = (this.camera.focalPx * plan.print.photoWidthM) / size;
    this.motion = clipMotion(spec.mimic, spec.seed, distance);
    this.out = new Uint8Array(size * size * 3);
  }

  frameAt(tMs: number): Uint8Array {
    this.frame.data.set(this.background);
    const { texture, metresPerPx } = this.print;
    const toPlane = textureToPlane(metresPerPx, texture.width / 2, texture.height / 2);
    renderPlane(this.frame, texture, textureHomography(this.camera, this.motion.poseAt(tMs), toPlane));
    const d = this.frame.data;
    for (let i = 0; i < d.length; i++) this.out[i] = Math.min(255, Math.max(0, Math.round(d[i]!)));
    return this.out;
  }
}

/** Draws the kind's planes for one pose; returns the rectangle with edges (for the defocus pass). */
type SceneDrawer = (frame: FloatFrame, pose: PlanePose, tMs: number) => Rect;

function printDrawer(spec: AttackSpec, plan: AttackPlan, camera: PinholeCamera): SceneDrawer {
  const { texture, metresPerPx } = printTexture(spec.face, plan.print);
  const toPlane = textureToPlane(metresPerPx, texture.width / 2, texture.height / 2);
  return (frame, pose) => renderPlane(frame, texture, textureHomography(camera, pose, toPlane), 0, texture.width, sheetShade(plan, poseRotation(pose)));
}

/** Two halves about the vertical fold through the photo's centre (LFW faces are centred: the nose line), ridge towards the camera. */
function foldDrawer(spec: AttackSpec, plan: AttackPlan, camera: PinholeCamera): SceneDrawer {
  const { texture, metresPerPx } = printTexture(spec.face, plan.print);
  const foldU = texture.width / 2;
  const toPlane = textureToPlane(metresPerPx, foldU, texture.height / 2);
  const half = (180 - plan.foldDeg) / 2;
  const leftBend = rotationYaw(-half);
  const rightBend = rotationYaw(half);
  return (frame, pose) => {
    const left = textureHomography(camera, pose, toPlane, leftBend);
    const right = textureHomography(camera, pose, toPlane, rightBend);
    // Painter's order: the half turned away (yaw > 0 sends the right half back) first, should the near one overlap it.
    const r = poseRotation(pose);
    const drawLeft = (): Rect => renderPlane(frame, texture, left, 0, foldU, sheetShade(plan, mul3(r, leftBend)));
    const drawRight = (): Rect => renderPlane(frame, texture, right, foldU, texture.width, sheetShade(plan, mul3(r, rightBend)));
    return pose.yawDeg > 0 ? unionRect(drawRight(), drawLeft()) : unionRect(drawLeft(), drawRight());
  };
}

export function foldHomographies(camera: PinholeCamera, plan: AttackPlan, pose: PlanePose, texture: { width: number; height: number }, metresPerPx: number) {
  const half = (180 - plan.foldDeg) / 2;
  const toPlane = textureToPlane(metresPerPx, texture.width / 2, texture.height / 2);
  return { left: textureHomography(camera, pose, toPlane, rotationYaw(-half)), right: textureHomography(camera, pose, toPlane, rotationYaw(half)) };
}

function cutoutDrawer(spec: AttackSpec, plan: AttackPlan, camera: PinholeCamera): SceneDrawer {
  const attacker = spec.attacker!;
  const cut = cutoutTexture(spec.face, plan.print);
  const metresPerPx = plan.print.photoWidthM / spec.face.width;
  const cutToPlane = textureToPlane(metresPerPx, cut.width / 2, cut.height / 2);
  const behind = attackerTexture(attacker);
  const attackerToPlane = textureToPlane((plan.print.photoWidthM * plan.attackerScale) / attacker.width, attacker.width / 2, attacker.height / 2);
  const rest = plan.motion.params.rest;
  // The attacker's head is a still photo (we have no video of attackers): fronto-parallel, behind the cut-out's rest position.
  const head: PlanePose = { yawDeg: 0, pitchDeg: 0, rollDeg: 0, x: rest.x, y: rest.y, z: rest.z + plan.attackerGapM };
  const headH = textureHomography(camera, head, attackerToPlane);
  return (frame, pose) => unionRect(
    renderPlane(frame, behind, headH),
    renderPlane(frame, cut, textureHomography(camera, pose, cutToPlane), 0, cut.width, sheetShade(plan, poseRotation(pose))),
  );
}

function screenDrawer(spec: AttackSpec, plan: AttackPlan, camera: PinholeCamera): SceneDrawer {
  const device = plan.device!;
  const size = device.contentPx;
  const still = spec.kind === 'screen-still' ? spec.face : null;
  const clip = still ? null : new ClipRecorder(spec, plan, CLIP_SIZE);
  const display: DisplayContent = {
    rgb: still ? still.rgb : new Uint8Array(0),
    sourceSize: still ? still.width : CLIP_SIZE,
    size,
    x0: Math.round((device.cols - size) / 2),
    y0: Math.round((device.rows - size) / 2),
    emission: emissionTable(plan.displayGammaRatio, plan.displayBrightness, 1.5),
  };
  const pitchM = device.pitchMm / 1000;
  const toPlane = textureToPlane(pitchM, device.cols / 2, device.rows / 2);
  return (frame, pose, tMs) => {
    if (clip) display.rgb = clip.frameAt(tMs);
    // Glare: a reflection of a lamp, shifting across the glass as the device turns.
    const glare = {
      u: device.cols * (0.3 + pose.yawDeg * 0.03),
      v: device.rows * (0.25 + pose.pitchDeg * 0.03),
      radius: device.cols * 0.35,
      strength: plan.glareStrength,
    };
    return renderDevice(frame, device, display, textureHomography(camera, pose, toPlane), glare);
  };
}

function drawerFor(spec: AttackSpec, plan: AttackPlan, camera: PinholeCamera): SceneDrawer {
  switch (spec.kind) {
    case 'print-still':
    case 'print-moved':
    case 'print-tilt':
      return printDrawer(spec, plan, camera);
    case 'print-fold':
      return foldDrawer(spec, plan, camera);
    case 'cutout':
      return cutoutDrawer(spec, plan, camera);
    case 'screen-still':
    case 'screen-clip':
      return screenDrawer(spec, plan, camera);
  }
}

export interface RenderOptions {
  /** Tests only: no hand tremor, for a perfectly still print. */
  still?: boolean;
}

export class AttackRenderer {
  readonly plan: AttackPlan;
  readonly camera: PinholeCamera;
  readonly frameCount: number;
  private readonly frame: FloatFrame;
  private readonly background: Float32Array;
  private readonly draw: SceneDrawer;

  constructor(private readonly spec: AttackSpec, private readonly options: RenderOptions = {}) {
    this.plan = planAttack(spec);
    this.camera = pinholeCamera(this.plan.width, this.plan.height);
    this.frameCount = Math.floor((this.plan.durationMs * this.plan.fps) / 1000);
    this.frame = floatFrame(this.plan.width, this.plan.height);
    this.background = indoorBackground(this.plan.width, this.plan.height, mulberry32(spec.seed ^ 0xbac6));
    this.draw = drawerFor(spec, this.plan, this.camera);
  }

  timeOf(index: number): number {
    return (index * 1000) / this.plan.fps;
  }

  poseAt(tMs: number): PlanePose {
    return this.plan.motion.poseAt(tMs, this.options.still);
  }

  render(index: number): AttackFrame {
    const t = this.timeOf(index);
    this.frame.data.set(this.background);
    const edges = this.draw(this.frame, this.poseAt(t), t);
    if (edges !== EMPTY_RECT) defocus(this.frame, edges, this.plan.sensor.blurSide);
    const noiseSeed = Math.imul(this.spec.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
    const rgb = expose(this.frame, this.plan.sensor, noiseSeed);
    return { rgb, width: this.plan.width, height: this.plan.height, t };
  }
}
