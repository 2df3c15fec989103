/**
 * Writes models/liveness/mean-face.json: the mean 3D position of the liveness landmarks (planar-motion.ts
 * LANDMARK_MESH_INDICES) over near-frontal faces of a face set, as the face mesh measures them — an average
 * shape, no one's face. The liveness unit tests turn and nod it (synthetic-faces.ts) where a real head is needed
 * without the models.
 *
 *   node --import tsx bench/mean-face.ts [DIR] [--out models/liveness/mean-face.json]
 *
 * Each face is put in a frame of its own: the origin midway between the outer eye corners, x along them (to the
 * image right), units of that distance; z the mesh's depth on the same scale (towards the camera negative).
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { FaceEngine } from '../models/engine.ts';
import { LANDMARK_MESH_INDICES } from '../models/liveness/planar-motion.ts';
import { meshInEyeFrame } from '../models/liveness/synthetic-faces.ts';
import { FACE_DATA } from '../models/test-faces.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: 'models/liveness/mean-face.json' } } });
const dir = positionals[0] ?? FACE_DATA;
const engine = await FaceEngine.load({});
const sums = LANDMARK_MESH_INDICES.map(() => [0, 0, 0]);
let faces = 0;
for (const person of (await readdir(dir)).sort()) {
  for (const file of (await readdir(join(dir, person))).sort()) {
    const { data, info } = await sharp(join(dir, person, file)).resize(500, 500).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const [face] = await engine.analyze({ rgb: new Uint8Array(data), width: info.width, height: info.height });
    const mesh = face && Math.abs(face.yaw) < 8 && Math.abs(face.pitch) < 10 ? engine.meshOf(face) : undefined;
    if (!mesh) continue;
    meshInEyeFrame(mesh).forEach((point, k) => point.forEach((v, axis) => (sums[k]![axis]! += v)));
    faces++;
  }
}
await engine.close();
const points = sums.map((s) => s.map((v) => Math.round((v / faces) * 1e4) / 1e4));
await writeFile(values.out, `${JSON.stringify({ about: 'Mean liveness landmarks (planar-motion.ts LANDMARK_MESH_INDICES order) of near-frontal faces: x right, y down, z depth (towards the camera negative), in outer-eye-corner distances. Made by bench/mean-face.ts.', faces, meshIndices: LANDMARK_MESH_INDICES, points })}\n`);
console.log(`${values.out}: mean of ${faces} faces, ${points.length} points`);
