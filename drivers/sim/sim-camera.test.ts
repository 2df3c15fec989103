import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectJpeg } from '../camera/mjpeg-parser.ts';
import { demoFace } from './demo-faces.ts';
import { SimulatedCamera } from './sim-camera.ts';

test('the simulated camera shows who stands there, as JPEG frames that never pile up', async () => {
  const camera = new SimulatedCamera({ width: 320, height: 240, fps: 50, variants: 3 });
  await camera.show(await demoFace('holder'));
  await camera.start();
  const iterator = camera[Symbol.asyncIterator]();
  const first = (await iterator.next()).value!;
  assert.equal(inspectJpeg(first.jpeg!).width, 320);
  await new Promise((resolve) => setTimeout(resolve, 200)); // ~10 frames produced while nobody reads
  const next = (await iterator.next()).value!;
  assert.ok(next.sequence - first.sequence >= 5, 'frames were produced meanwhile');
  assert.ok(camera.stats.dropped >= 4, 'and dropped, not queued');
  const empty = new SimulatedCamera({ width: 320, height: 240, variants: 1 });
  await empty.show(null);
  await camera.show(null);
  await camera.stop();
  let left = 0;
  while (!(await iterator.next()).done) left++;
  assert.ok(left <= 1, 'at most the one frame held when it stopped');
});

test('both demo faces load from the face-api package', async () => {
  for (const name of ['holder', 'impostor'] as const) assert.ok((await demoFace(name)).length > 10_000);
});

test.run();
