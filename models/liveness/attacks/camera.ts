/**
 * Pinhole camera and plane homographies for the synthetic attacks.
 *
 * Camera coordinates: x to the image's right, y down, z forward (away from the camera), metres. A plane (a print, a
 * device) has its own 2-D coordinates (u to its right, v down, metres) and a pose: a rotation R and a translation t,
 * so a plane point (u, v) sits at R·(u, v, 0) + t. Its image is K·(R·(u, v, 0) + t) = K·[r1 r2 t]·(u, v, 1): the
 * 3×3 homography plane → image.
 *
 * Rotation conventions (degrees), chosen so each angle names what the attacker does with the print:
 * - yawDeg > 0: the plane turns about its vertical axis so its RIGHT edge (image right) moves AWAY from the camera;
 * - pitchDeg > 0: the plane turns about its horizontal axis so its TOP edge moves AWAY from the camera;
 * - rollDeg > 0: in-plane rotation, clockwise as seen in the image (x towards y, with y down).
 * R = Ryaw · Rpitch · Rroll (roll first, in the plane, then pitch, then yaw).
 */

/** A 3×3 matrix, row-major. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export interface PinholeCamera {
  width: number;
  height: number;
  focalPx: number;
  cx: number;
  cy: number;
}

/** A typical USB webcam's ~62° horizontal field of view, principal point at the frame centre. */
export const WEBCAM_HFOV_DEG = 62;

export function pinholeCamera(width: number, height: number, hfovDeg = WEBCAM_HFOV_DEG): PinholeCamera {
  const focalPx = width / 2 / Math.tan((hfovDeg * Math.PI) / 360);
  return { width, height, focalPx, cx: width / 2, cy: height / 2 };
}

export interface PlanePose {
  yawDeg: number;
  pitchDeg: number;
  rollDeg: number;
  /** Translation of the plane's origin, camera coordinates in metres (z = distance along the optical axis). */
  x: number;
  y: number;
  z: number;
}

const RAD = Math.PI / 180;

export function mul3(a: Mat3, b: Mat3): Mat3 {
  const r: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) r.push(a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!);
  }
  return r as unknown as Mat3;
}

export function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const k = 1 / det;
  return [
    A * k, -(b * i - c * h) * k, (b * f - c * e) * k,
    B * k, (a * i - c * g) * k, -(a * f - c * d) * k,
    C * k, -(a * h - b * g) * k, (a * e - b * d) * k,
  ];
}

/** Applies a homography to a point (with the projective divide). */
export function project(h: Mat3, x: number, y: number): [number, number] {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

export function rotationYaw(deg: number): Mat3 {
  const c = Math.cos(deg * RAD);
  const s = Math.sin(deg * RAD);
  return [c, 0, -s, 0, 1, 0, s, 0, c];
}

export function rotationPitch(deg: number): Mat3 {
  const c = Math.cos(deg * RAD);
  const s = Math.sin(deg * RAD);
  return [1, 0, 0, 0, c, s, 0, -s, c];
}

export function rotationRoll(deg: number): Mat3 {
  const c = Math.cos(deg * RAD);
  const s = Math.sin(deg * RAD);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

export function poseRotation(pose: PlanePose): Mat3 {
  return mul3(rotationYaw(pose.yawDeg), mul3(rotationPitch(pose.pitchDeg), rotationRoll(pose.rollDeg)));
}

/** Homography from plane metres (u, v) to image pixels, for a plane rotated by `rotation` and placed at `t`. */
export function planeHomography(camera: PinholeCamera, rotation: Mat3, t: readonly [number, number, number]): Mat3 {
  const k: Mat3 = [camera.focalPx, 0, camera.cx, 0, camera.focalPx, camera.cy, 0, 0, 1];
  const rt: Mat3 = [rotation[0], rotation[1], t[0], rotation[3], rotation[4], t[1], rotation[6], rotation[7], t[2]];
  return mul3(k, rt);
}

/** Homography from a texture's pixel coordinates to plane metres: `metresPerPx` per pixel, pixel (originX, originY) at u = v = 0. */
export function textureToPlane(metresPerPx: number, originX: number, originY: number): Mat3 {
  return [metresPerPx, 0, -metresPerPx * originX, 0, metresPerPx, -metresPerPx * originY, 0, 0, 1];
}

/** Texture pixels → image pixels for a plane at `pose`. */
export function textureHomography(camera: PinholeCamera, pose: PlanePose, toPlane: Mat3, extraRotation?: Mat3): Mat3 {
  const r = extraRotation ? mul3(poseRotation(pose), extraRotation) : poseRotation(pose);
  return mul3(planeHomography(camera, r, [pose.x, pose.y, pose.z]), toPlane);
}

/** The plane's unit normal towards the camera side (R·(0, 0, −1)), camera coordinates. */
export function planeNormal(rotation: Mat3): [number, number, number] {
  return [-rotation[2], -rotation[5], -rotation[8]];
}
