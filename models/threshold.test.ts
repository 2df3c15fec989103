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
  const { fusion: _fusion, ...plain } = readCalibration();
  assert.is(fusedThreshold(plain, 'mean'), null);
  assert.is(fusedThreshold({ ...plain, targetFar: 0.05 }, 'mean'), null);
});

test.run();
