import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chipVsCamera } from './accuracy/metrics.ts';
import { calibrationWarnings, type Embedded } from './calibrate.ts';

test('calibrationWarnings: none for a large set whose threshold held on unseen people', () => {
  assert.equal(calibrationWarnings(0.001, 23, 23_790, 0.0011, 60), []);
});

test('calibrationWarnings: too few impostor pairs above the threshold, and a held-out FAR over target', () => {
  const few = calibrationWarnings(0.001, 4, 4_000, 0.0009, 30);
  assert.is(few.length, 1);
  assert.match(few[0]!, /rests on only 4 impostor pair\(s\) above it \(4000 in all\): calibrate on more people \(30 now\)/);
  const leaky = calibrationWarnings(0.001, 50, 50_000, 0.0015, 100);
  assert.is(leaky.length, 1);
  assert.match(leaky[0]!, /let 0\.150 % of impostors through for a 0\.10 % target/);
});

test('chipVsCamera: only chip photo vs camera picture pairs, and no filter for a set without chip photos', () => {
  const v = new Float32Array(1);
  const item = (person: string, chip: boolean): Embedded => ({ person, file: `${person}-${chip}`, chip, plain: v, flip: v });
  const items = [item('a', true), item('a', false), item('a', false), item('b', true), item('b', false)];
  const eligible = chipVsCamera(items)!;
  assert.ok(eligible(0, 1) && eligible(0, 4) && eligible(3, 1));
  assert.not.ok(eligible(1, 2), 'camera vs camera');
  assert.not.ok(eligible(0, 3), 'chip vs chip');
  assert.is(chipVsCamera(items.map((e) => ({ ...e, chip: false }))), undefined);
});

test.run();
