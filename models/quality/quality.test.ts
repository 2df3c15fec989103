// Frame quality: each guidance code from a realistic 1280×720 observation, bystander handling, score ranking.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_QUALITY_THRESHOLDS, QUALITY_MESSAGES_VI, assessQuality } from './quality.ts';
import type { FaceObservation } from '../types.ts';
import { assertThrowsCode } from '../../drivers/test-assert.ts';

const W = 1280;
const H = 720;

/** A good customer face: centred, 36 % of the frame high, frontal, sharp, well lit. */
function face(over: Partial<FaceObservation> & { height?: number; cx?: number; cy?: number } = {}): FaceObservation {
  const { height = 260, cx = W / 2 + 15, cy = H / 2 - 10, ...rest } = over;
  const width = height * 0.8;
  return {
    frameSequence: 1,
    timestamp: 1000,
    frameWidth: W,
    frameHeight: H,
    box: { x: cx - width / 2, y: cy - height / 2, width, height },
    detectionScore: 0.93,
    yaw: 3,
    pitch: -4,
    roll: 1.5,
    leftEyeOpenness: 0.3,
    rightEyeOpenness: 0.29,
    sharpness: 160,
    brightness: 128,
    antispoof: 0.8,
    liveness: 0.9,
    ...rest,
  };
}

const guidance = (faces: FaceObservation[]): string => assessQuality(faces).guidance;

test('a good face is acceptable with a positive score and the ok message', () => {
  const v = assessQuality([face()]);
  assert.ok(v.acceptable);
  assert.is(v.guidance, 'ok');
  assert.is(v.messageVi, QUALITY_MESSAGES_VI.ok);
  assert.ok(v.score > 0.5 && v.score <= 1, `score ${v.score}`);
});

test('no face, or only low-confidence detections → no-face', () => {
  assert.is(guidance([]), 'no-face');
  assert.is(guidance([face({ detectionScore: 0.2 })]), 'no-face');
  const v = assessQuality([]);
  assert.not.ok(v.acceptable);
  assert.is(v.score, 0);
  assert.is(v.messageVi, 'Không thấy khuôn mặt, hãy nhìn vào camera');
});

test('two similar faces → multiple-faces; a small face far behind is a bystander and ignored', () => {
  const customer = face();
  const beside = face({ height: 220, cx: 250 });
  assert.is(guidance([customer, beside]), 'multiple-faces');
  assert.is(assessQuality([customer, beside]).messageVi, 'Chỉ một người trước camera');
  const farBehind = face({ height: 90, cx: 1100, cy: 200 });
  assert.is(guidance([customer, farBehind]), 'ok');
  // Same threshold from the other side: the bystander at exactly half the height counts.
  assert.is(guidance([customer, face({ height: 130, cx: 1100 })]), 'multiple-faces');
  // The order of detections does not matter: the largest face is the customer.
  assert.is(guidance([farBehind, customer]), 'ok');
});

test('face too small → move-closer; too big → move-back', () => {
  assert.is(guidance([face({ height: 100 })]), 'move-closer'); // 14 % of the frame
  assert.is(assessQuality([face({ height: 100 })]).messageVi, 'Đưa mặt lại gần hơn');
  // Large enough relative to a small frame but too few pixels for the embedding.
  assert.is(guidance([face({ height: 100, frameWidth: 320, frameHeight: 240, cx: 160, cy: 120 })]), 'move-closer');
  assert.is(guidance([face({ height: 600 })]), 'move-back');
  assert.is(assessQuality([face({ height: 600 })]).messageVi, 'Lùi ra xa một chút');
});

test('off-centre or cut by the frame edge → center-face', () => {
  assert.is(guidance([face({ cx: 250 })]), 'center-face');
  assert.is(guidance([face({ cy: 150, height: 200 })]), 'center-face');
  // Centre within the band but the box sticks out of the top of the frame.
  assert.is(guidance([face({ height: 520, cy: 225 })]), 'center-face');
  assert.is(assessQuality([face({ cx: 250 })]).messageVi, 'Đưa mặt vào giữa khung hình');
});

test('head turned, tilted up/down, or rolled → look-straight', () => {
  for (const over of [{ yaw: 32 }, { yaw: -25 }, { pitch: 28 }, { pitch: -22 }, { roll: 40 }]) {
    assert.is(guidance([face(over)]), 'look-straight', JSON.stringify(over));
  }
  assert.is(guidance([face({ yaw: 15, pitch: -12 })]), 'ok');
  assert.is(assessQuality([face({ yaw: 32 })]).messageVi, 'Nhìn thẳng vào camera');
});

test('lighting: too-dark and too-bright', () => {
  assert.is(guidance([face({ brightness: 35 })]), 'too-dark');
  assert.is(assessQuality([face({ brightness: 35 })]).messageVi, 'Chỗ này tối quá, bật thêm đèn');
  assert.is(guidance([face({ brightness: 235 })]), 'too-bright');
  // Darkness wins over blur: the blur is the camera's long exposure.
  assert.is(guidance([face({ brightness: 35, sharpness: 10 })]), 'too-dark');
});

test('blurred face → hold-still', () => {
  assert.is(guidance([face({ sharpness: 12 })]), 'hold-still');
  assert.is(assessQuality([face({ sharpness: 12 })]).messageVi, 'Giữ yên');
});

test('non-finite measurements fail their check rather than pass', () => {
  assert.is(guidance([face({ yaw: Number.NaN })]), 'look-straight');
  assert.is(guidance([face({ sharpness: Number.NaN })]), 'hold-still');
  assert.is(guidance([face({ brightness: Number.NaN })]), 'too-dark');
});

test('score ranks better frames higher', () => {
  const best = assessQuality([face({ yaw: 0, pitch: 0, sharpness: 300, cx: W / 2, cy: H / 2 })]).score;
  const turned = assessQuality([face({ yaw: 17 })]).score;
  const soft = assessQuality([face({ sharpness: 50 })]).score;
  const dim = assessQuality([face({ brightness: 70 })]).score;
  assert.ok(best > turned && best > soft && best > dim, `${best} ${turned} ${soft} ${dim}`);
  for (const s of [best, turned, soft, dim]) assert.ok(s > 0 && s <= 1);
});

test('thresholds can be overridden; nonsense thresholds are CONFIG_INVALID', () => {
  assert.is(assessQuality([face({ yaw: 17 })], { maxAbsYaw: 10 }).guidance, 'look-straight');
  assert.is(assessQuality([face({ height: 100 })], { minFaceHeightRatio: 0.1 }).guidance, 'move-closer'); // pixel floor still applies
  assert.is(assessQuality([face({ height: 120 })], { minFaceHeightRatio: 0.1 }).guidance, 'ok');
  assertThrowsCode(() => assessQuality([face()], { minBrightness: 220 }), 'CONFIG_INVALID');
  assertThrowsCode(() => assessQuality([face()], { maxAbsYaw: Number.NaN }), 'CONFIG_INVALID');
  assert.is(DEFAULT_QUALITY_THRESHOLDS.maxAbsYaw, 20);
});

test.run();
