import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initRuntime } from './runtime.ts';

test('models never load over the network: an http model URL is refused without calling fetch', async () => {
  const { tf } = await initRuntime();
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  const realFetch = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = (async () => {
    calls++;
    throw new Error('network used');
  }) as typeof fetch;
  try {
    let failed = false;
    await loadGraphModel('https://models.invalid/blazeface.json').catch(() => (failed = true));
    assert.ok(failed, 'the load must fail');
    assert.is(calls, 0, 'fetch must not be called');
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.ok(['wasm', 'tensorflow'].includes(tf.getBackend()));
});

test.run();
