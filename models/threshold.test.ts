import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fusedThreshold, readCalibration } from './threshold.ts';

test('the shipped calibration carries a stricter threshold for fused frames at the same target FAR', () => {
  const calibration = readCalibration();
  const mean = fusedThreshold(calibration, 'mean');
  assert.ok(mean !== null, 'default.json has fusion.twoProbes.mean at the target FAR');
  assert.ok(mean > calibration.threshold, `fused ${mean} must be above the single-image ${calibration.threshold}`);
});

test('a calibration without fused measurements gives no fused threshold (the single-image one applies)', () => {
  const { fusion: _fusion, bound: _bound, ...plain } = readCalibration();
  assert.is(fusedThreshold(plain, 'mean'), null);
  assert.is(fusedThreshold({ ...plain, targetFar: 0.05 }, 'mean'), null);
});

test('the confidence-bounded fused threshold, when the calibration has one, is the one the face step uses', () => {
  const calibration = readCalibration();
  const fused = { targetFar: 0.001, threshold: 0.951, far: 0.0008, farUpper: 0.00099, tar: 0.97, pointThreshold: 0.949, tarAtPoint: 0.98, reached: true };
  const single = { ...fused, threshold: 0.94 };
  assert.is(fusedThreshold({ ...calibration, bound: { method: 'm', confidence: 0.95, single, fused } }, 'mean'), 0.951);
  // Without a bounded fused threshold (no person with 3 images), the measured one at the target FAR.
  const { bound: _bound, ...unbounded } = calibration;
  assert.is(fusedThreshold({ ...unbounded, bound: { method: 'm', confidence: 0.95, single, fused: null } }, 'mean'), fusedThreshold(unbounded, 'mean'));
  // The shipped file: the face step's fused threshold is the bounded one.
  assert.is(fusedThreshold(calibration, 'mean'), calibration.bound?.fused?.threshold);
});

test.run();
