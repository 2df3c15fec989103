/**
 * Screen replay: a phone, tablet or monitor showing the photo. The display is a grid of emissive pixels, each three
 * vertical R, G, B sub-pixel stripes separated by a black matrix; the content is rendered at the display's own
 * resolution and the camera integrates the grid over each of its pixels with a few sub-samples, so the beat between
 * the display pitch and the camera's pixel pitch makes moiré by itself. Around the screen: a black bezel (glass) and
 * the device body. A soft glare blob on the glass moves with the device's pose.
 */
import { invert3, project, type Mat3 } from './camera.ts';
import { EMPTY_RECT, type FloatFrame, type Rect } from './render.ts';

export interface DisplayDevice {
  name: 'phone' | 'tablet' | 'monitor';
  cols: number;
  rows: number;
  pitchMm: number;
  bezelMm: number;
  bodyMm: number;
  /** The photo is shown as a square of this many display pixels, centred on the screen. */
  contentPx: number;
}

function pitchFor(diagonalInch: number, cols: number, rows: number): number {
  return (diagonalInch * 25.4) / Math.hypot(cols, rows);
}

export const DEVICES: readonly DisplayDevice[] = [
  { name: 'phone', cols: 1170, rows: 2532, pitchMm: pitchFor(6.1, 1170, 2532), bezelMm: 3, bodyMm: 1.5, contentPx: 1170 },
  { name: 'tablet', cols: 1640, rows: 2360, pitchMm: pitchFor(10.9, 1640, 2360), bezelMm: 9, bodyMm: 2, contentPx: 1640 },
  { name: 'monitor', cols: 1920, rows: 1080, pitchMm: pitchFor(24, 1920, 1080), bezelMm: 8, bodyMm: 12, contentPx: 800 },
];

/** Sub-pixel layout, as fractions of one display pixel: each stripe's lit part across its third, and the lit rows. */
export const STRIPE_LIT = { u0: 0.125, u1: 0.875, v0: 0.075, v1: 0.925 } as const;
/** Scales a stripe's emission so a pixel's mean over its area equals the content value. */
const STRIPE_GAIN = 1 / ((1 / 3) * (STRIPE_LIT.u1 - STRIPE_LIT.u0) * (STRIPE_LIT.v1 - STRIPE_LIT.v0));

export interface DisplayContent {
  /** The shown image (the photo, a clip frame): packed RGB, sourceSize × sourceSize pixels. */
  rgb: Uint8Array;
  sourceSize: number;
  /** It fills size × size display pixels (the viewer app scales it bilinearly). */
  size: number;
  /** The content's top-left, in display pixels. */
  x0: number;
  y0: number;
  /** Content value → emitted brightness (display gamma and backlight), 0…255 scale. */
  emission: Float32Array;
}

export interface Glare {
  /** Centre and size (about a Gaussian σ) in display pixels, peak added brightness. */
  u: number;
  v: number;
  radius: number;
  strength: number;
}

export function emissionTable(gammaRatio: number, brightness: number, blackLevel: number): Float32Array {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = blackLevel + (255 - blackLevel) * brightness * (v / 255) ** gammaRatio;
  return t;
}

/**
 * Adds the light emitted at display coordinates (u, v) (display pixels, fractional) to acc[0..2]: only the channel
 * whose stripe covers (u, v), and only on its lit part. Outside the content: the display's black.
 */
export function sampleDisplay(display: DisplayContent, u: number, v: number, acc: Float32Array): void {
  const cu = u - display.x0;
  const cv = v - display.y0;
  const iu = Math.floor(cu);
  const iv = Math.floor(cv);
  const black = display.emission[0]!;
  const su = (cu - iu) * 3;
  const channel = su | 0;
  const inStripe = su - channel;
  const fv = cv - iv;
  if (inStripe < STRIPE_LIT.u0 || inStripe >= STRIPE_LIT.u1 || fv < STRIPE_LIT.v0 || fv >= STRIPE_LIT.v1) return;
  const scale = display.sourceSize / display.size;
  const value = iu < 0 || iv < 0 || iu >= display.size || iv >= display.size
    ? black
    : display.emission[display.rgb[(Math.floor((iv + 0.5) * scale) * display.sourceSize + Math.floor((iu + 0.5) * scale)) * 3 + channel]!]!;
  acc[channel] = acc[channel]! + value * STRIPE_GAIN;
}

/** ∫₀^s of a periodic indicator (period 1) lit on [lo, lo + len): whole periods plus the partial one. */
function litIntegral(s: number, lo: number, len: number): number {
  const whole = Math.floor(s);
  const f = s - whole - lo;
  return whole * len + (f <= 0 ? 0 : f >= len ? len : f);
}

/**
 * What one camera pixel sees of the display: the exact area average of each channel's stripe mask over the pixel's
 * footprint (a wu × wv box of display pixels around (u, v)), times the content there. A real sensor pixel integrates
 * its area, so the beat of the stripe pitch against the camera's pixel pitch (moiré) comes out of this integral by
 * itself, at its physical strength; point samples would alias far more. The content (an upscaled photo, smooth at
 * the display's scale) is taken bilinearly at the footprint's centre. Writes acc[0..2].
 */
export function displayFootprint(display: DisplayContent, u: number, v: number, wu: number, wv: number, acc: Float32Array): void {
  const scale = display.sourceSize / display.size;
  const cu = (u - display.x0) * scale - 0.5;
  const cv = (v - display.y0) * scale - 0.5;
  const last = display.sourceSize - 1;
  const fu = cu < 0 ? 0 : cu > last ? last : cu;
  const fv = cv < 0 ? 0 : cv > last ? last : cv;
  const iu = Math.min(last - 1, fu | 0);
  const iv = Math.min(last - 1, fv | 0);
  const au = fu - iu;
  const av = fv - iv;
  const outside = u < display.x0 || v < display.y0 || u >= display.x0 + display.size || v >= display.y0 + display.size;
  const hu = Math.max(wu, 1e-3) / 2;
  const hv = Math.max(wv, 1e-3) / 2;
  const rowLen = STRIPE_LIT.v1 - STRIPE_LIT.v0;
  const rows = (litIntegral(v + hv, STRIPE_LIT.v0, rowLen) - litIntegral(v - hv, STRIPE_LIT.v0, rowLen)) / (2 * hv);
  const stripeLen = (STRIPE_LIT.u1 - STRIPE_LIT.u0) / 3;
  const e = display.emission;
  const rgb = display.rgb;
  const stride = display.sourceSize * 3;
  for (let c = 0; c < 3; c++) {
    const lo = (c + STRIPE_LIT.u0) / 3;
    const cols = (litIntegral(u + hu, lo, stripeLen) - litIntegral(u - hu, lo, stripeLen)) / (2 * hu);
    let value: number;
    if (outside) value = e[0]!;
    else {
      const i = iv * stride + iu * 3 + c;
      value = (e[rgb[i]!]! * (1 - au) + e[rgb[i + 3]!]! * au) * (1 - av) + (e[rgb[i + stride]!]! * (1 - au) + e[rgb[i + stride + 3]!]! * au) * av;
    }
    acc[c] = value * STRIPE_GAIN * cols * rows;
  }
}

const BODY_RGB = [38, 38, 42];
const BEZEL_RGB = [7, 7, 8];

/**
 * Draws the device through `h` (display pixels → image pixels; display pixel (0,0) is the screen's top-left corner).
 * Each camera pixel integrates the sub-pixel grid over its footprint (displayFootprint); black, bezel, body are flat.
 */
export function renderDevice(frame: FloatFrame, device: DisplayDevice, display: DisplayContent, h: Mat3, glare: Glare): Rect {
  const bezel = device.bezelMm / device.pitchMm;
  const body = bezel + device.bodyMm / device.pitchMm;
  const corners = [project(h, -body, -body), project(h, device.cols + body, -body), project(h, device.cols + body, device.rows + body), project(h, -body, device.rows + body)];
  const box: Rect = {
    x0: Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0])))),
    y0: Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1])))),
    x1: Math.min(frame.width, Math.ceil(Math.max(...corners.map((c) => c[0]))) + 1),
    y1: Math.min(frame.height, Math.ceil(Math.max(...corners.map((c) => c[1]))) + 1),
  };
  if (box.x1 <= box.x0 || box.y1 <= box.y0) return EMPTY_RECT;
  const inv = invert3(h);
  // Display pixels per camera pixel near the screen centre: how far outside the content a footprint can still reach it.
  const [pcx, pcy] = project(h, device.cols / 2, device.rows / 2);
  const reach = 2 * Math.max(1, Math.abs(project(inv, pcx + 1, pcy)[0] - project(inv, pcx, pcy)[0])) + 2;
  const acc = new Float32Array(3);
  const out = frame.data;
  const black = display.emission[0]!;
  const glareInvR2 = 1 / (6.25 * glare.radius * glare.radius);
  const cx0 = display.x0 - reach;
  const cy0 = display.y0 - reach;
  const cx1 = display.x0 + display.size + reach;
  const cy1 = display.y0 + display.size + reach;
  for (let y = box.y0; y < box.y1; y++) {
    let X = inv[0] * (box.x0 + 0.5) + inv[1] * (y + 0.5) + inv[2];
    let Y = inv[3] * (box.x0 + 0.5) + inv[4] * (y + 0.5) + inv[5];
    let W = inv[6] * (box.x0 + 0.5) + inv[7] * (y + 0.5) + inv[8];
    for (let x = box.x0; x < box.x1; x++, X += inv[0], Y += inv[3], W += inv[6]) {
      const u = X / W;
      const v = Y / W;
      if (u < -body || v < -body || u >= device.cols + body || v >= device.rows + body) continue;
      const o = (y * frame.width + x) * 3;
      if (u < -bezel || v < -bezel || u >= device.cols + bezel || v >= device.rows + bezel) {
        out[o] = BODY_RGB[0]!;
        out[o + 1] = BODY_RGB[1]!;
        out[o + 2] = BODY_RGB[2]!;
        continue;
      }
      const du = u - glare.u;
      const dv = v - glare.v;
      // A soft compact bump ((1 − d²/R²)², close to a Gaussian of σ ≈ R/2.5) rather than exp: half the device's cost.
      const fall = 1 - (du * du + dv * dv) * glareInvR2;
      const shine = fall > 0 ? glare.strength * fall * fall : 0;
      if (u < 0 || v < 0 || u >= device.cols || v >= device.rows) {
        for (let c = 0; c < 3; c++) out[o + c] = BEZEL_RGB[c]! + shine;
        continue;
      }
      if (u < cx0 || v < cy0 || u >= cx1 || v >= cy1) {
        for (let c = 0; c < 3; c++) out[o + c] = black + shine;
        continue;
      }
      // The pixel's footprint on the display (the Jacobian of image → display), as an axis-aligned box.
      const wu = (Math.abs(inv[0] - u * inv[6]) + Math.abs(inv[1] - u * inv[7])) / W;
      const wv = (Math.abs(inv[3] - v * inv[6]) + Math.abs(inv[4] - v * inv[7])) / W;
      displayFootprint(display, u, v, wu, wv, acc);
      for (let c = 0; c < 3; c++) out[o + c] = acc[c]! + shine;
    }
  }
  return box;
}
