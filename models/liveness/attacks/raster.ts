/**
 * Z-buffered triangle rasterisation with deferred texturing, for the 3-D head (head.ts). Triangles write the depth,
 * texture coordinates and coverage of the nearest surface at each pixel centre; one resolve pass then samples the
 * texture once per covered pixel (bilinear) and blends it over the frame. Interpolation is affine in screen space:
 * the mesh's triangles are a few pixels across, where perspective correction changes nothing visible.
 */
import { EMPTY_RECT, type FloatFrame, type Rect, type Texture } from './render.ts';

/** Projected vertices: image x, y (px), camera depth z (m); texture u, v (px) and coverage a (0…1). */
export interface ScreenVertices {
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  u: Float64Array;
  v: Float64Array;
  a: Float64Array;
}

/** Barycentric slack so that pixels on an edge shared by two triangles are never missed by both (no cracks). */
const EDGE_EPS = -1e-7;

export class TriangleRaster {
  readonly depth: Float32Array;
  private readonly u: Float32Array;
  private readonly v: Float32Array;
  private readonly a: Float32Array;
  /** The rectangle written by the last draw (what clear() and resolve() visit). */
  private box: Rect = EMPTY_RECT;

  constructor(readonly width: number, readonly height: number) {
    const n = width * height;
    this.depth = new Float32Array(n).fill(Infinity);
    this.u = new Float32Array(n);
    this.v = new Float32Array(n);
    this.a = new Float32Array(n);
  }

  /** Depth of the nearest surface at a pixel (Infinity: nothing drawn there). */
  depthAt(x: number, y: number): number {
    const xi = Math.floor(x);
    const yi = Math.floor(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return Infinity;
    return this.depth[yi * this.width + xi]!;
  }

  /**
   * Rasterises triangles (flat vertex index triples), both faces: no back-face culling, the depth test alone decides.
   * The mesh has edge-on and folded triangles at rest (its sides, closed lips) that turn into view, and where the open
   * surface's back shows at a silhouette it stands in for the back of the head we do not have.
   */
  draw(vertices: ScreenVertices, triangles: Uint16Array | Uint32Array): Rect {
    this.clear();
    const { x: X, y: Y, z: Z, u: U, v: V, a: A } = vertices;
    const { width: w, height: h, depth, u: ub, v: vb, a: ab } = this;
    let bx0 = w;
    let by0 = h;
    let bx1 = 0;
    let by1 = 0;
    for (let t = 0; t < triangles.length; t += 3) {
      const i0 = triangles[t]!;
      const i1 = triangles[t + 1]!;
      const i2 = triangles[t + 2]!;
      const ax = X[i0]!, ay = Y[i0]!, bx = X[i1]!, by = Y[i1]!, cx = X[i2]!, cy = Y[i2]!;
      const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
      if (Math.abs(area) < 1e-9) continue;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
      const x1 = Math.min(w - 1, Math.ceil(Math.max(ax, bx, cx)));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
      const y1 = Math.min(h - 1, Math.ceil(Math.max(ay, by, cy)));
      if (x1 < x0 || y1 < y0) continue;
      const inv = 1 / area;
      const az = Z[i0]!, bz = Z[i1]!, cz = Z[i2]!;
      for (let y = y0; y <= y1; y++) {
        const py = y + 0.5;
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5;
          const w0 = ((bx - px) * (cy - py) - (by - py) * (cx - px)) * inv;
          if (w0 < EDGE_EPS) continue;
          const w1 = ((cx - px) * (ay - py) - (cy - py) * (ax - px)) * inv;
          if (w1 < EDGE_EPS) continue;
          const w2 = 1 - w0 - w1;
          if (w2 < EDGE_EPS) continue;
          const p = y * w + x;
          const z = w0 * az + w1 * bz + w2 * cz;
          if (z >= depth[p]!) continue;
          depth[p] = z;
          ub[p] = w0 * U[i0]! + w1 * U[i1]! + w2 * U[i2]!;
          vb[p] = w0 * V[i0]! + w1 * V[i1]! + w2 * V[i2]!;
          ab[p] = w0 * A[i0]! + w1 * A[i1]! + w2 * A[i2]!;
        }
      }
      if (x0 < bx0) bx0 = x0;
      if (y0 < by0) by0 = y0;
      if (x1 + 1 > bx1) bx1 = x1 + 1;
      if (y1 + 1 > by1) by1 = y1 + 1;
    }
    this.box = bx1 > bx0 && by1 > by0 ? { x0: bx0, y0: by0, x1: bx1, y1: by1 } : EMPTY_RECT;
    return this.box;
  }

  /** Samples the texture (bilinear, clamped at its border) where a surface was drawn and blends it over `frame` by its coverage. */
  resolve(frame: FloatFrame, texture: Texture): Rect {
    const { x0, y0, x1, y1 } = this.box;
    const { rgb, width: tw, height: th } = texture;
    const maxU = tw - 1;
    const maxV = th - 1;
    const out = frame.data;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = y * this.width + x;
        if (this.depth[p] === Infinity) continue;
        const cover = this.a[p]!;
        if (cover <= 0) continue;
        let fu = this.u[p]! - 0.5;
        let fv = this.v[p]! - 0.5;
        if (fu < 0) fu = 0; else if (fu > maxU) fu = maxU;
        if (fv < 0) fv = 0; else if (fv > maxV) fv = maxV;
        const iu = fu | 0;
        const iv = fv | 0;
        const au = fu - iu;
        const av = fv - iv;
        const i00 = (iv * tw + iu) * 3;
        const i10 = iu < maxU ? i00 + 3 : i00;
        const i01 = iv < maxV ? i00 + tw * 3 : i00;
        const i11 = iu < maxU ? i01 + 3 : i01;
        const w00 = (1 - au) * (1 - av);
        const w10 = au * (1 - av);
        const w01 = (1 - au) * av;
        const w11 = au * av;
        const o = p * 3;
        for (let c = 0; c < 3; c++) {
          const s = rgb[i00 + c]! * w00 + rgb[i10 + c]! * w10 + rgb[i01 + c]! * w01 + rgb[i11 + c]! * w11;
          out[o + c] = cover >= 1 ? s : out[o + c]! * (1 - cover) + s * cover;
        }
      }
    }
    return this.box;
  }

  private clear(): void {
    const { x0, y0, x1, y1 } = this.box;
    for (let y = y0; y < y1; y++) this.depth.fill(Infinity, y * this.width + x0, y * this.width + x1);
    this.box = EMPTY_RECT;
  }
}
