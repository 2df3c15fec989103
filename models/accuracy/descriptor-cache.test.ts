import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isXacminhError } from '../../drivers/errors.ts';
import { readDescriptorCache, writeDescriptorCache } from './descriptor-cache.ts';

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacminh-descriptors-'));
});
test.after(async () => rm(dir, { recursive: true, force: true }));

const key = { modelSha256: 'a'.repeat(64), data: '/data/faces' };
const refused = async (p: Promise<unknown>, re: RegExp) => {
  try {
    await p;
    assert.unreachable('accepted');
  } catch (error) {
    assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
    assert.match((error as Error).message, re);
  }
};

test('a descriptor cache reads back what was written; no file is null', async () => {
  const file = join(dir, 'c.json');
  assert.is(await readDescriptorCache(file, key), null);
  const embedded = [{ person: 'Ann', file: 'Ann/Ann_0001.jpg', chip: false, plain: Float32Array.from([0.5, -0.25]), flip: Float32Array.from([0.125, 1]) }];
  await writeDescriptorCache(file, { ...key, embedded, noFace: ['Bob/Bob_0001.jpg'] });
  const back = await readDescriptorCache(file, key);
  assert.equal(back, { ...key, embedded, noFace: ['Bob/Bob_0001.jpg'] });
  assert.instance(back!.embedded[0]!.plain, Float32Array);
});

test('a cache of other model weights, of another set, or not a cache is refused with what to do', async () => {
  const file = join(dir, 'd.json');
  await writeDescriptorCache(file, { ...key, embedded: [], noFace: [] });
  await refused(readDescriptorCache(file, { ...key, modelSha256: 'b'.repeat(64) }), /other model weights: delete it/);
  await refused(readDescriptorCache(file, { ...key, data: '/other' }), /another set \(\/data\/faces\)/);
  await writeFile(join(dir, 'e.json'), '{"x":1}');
  await refused(readDescriptorCache(join(dir, 'e.json'), key), /not a descriptor cache/);
  await writeFile(join(dir, 'f.json'), 'nope');
  await refused(readDescriptorCache(join(dir, 'f.json'), key), /not JSON/);
});

test.run();
