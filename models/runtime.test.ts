import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

test('loading the WASM backend leaves the agent error policy alone: a stray rejection is logged and the process lives on', () => {
  // A child process: the runtime is per process, and the policy under test is process-wide.
  const url = (path: string) => pathToFileURL(resolve(import.meta.dirname, path)).href;
  const script = `
    import { installProcessPolicy } from ${JSON.stringify(url('../agent/run/process-policy.ts'))};
    import { initRuntime } from ${JSON.stringify(url('./runtime.ts'))};
    installProcessPolicy({ error: (_o, message) => console.log('logged: ' + message) });
    process.env.XACMINH_TF_BACKEND = 'wasm';
    await initRuntime();
    const added = process.listeners('unhandledRejection').length + process.listeners('uncaughtException').length;
    void Promise.reject(new Error('a stray rejection'));
    await new Promise((r) => setTimeout(r, 300));
    console.log('alive, process handlers: ' + added);
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.is(run.status, 0, run.stdout + run.stderr.slice(-2000));
  assert.match(run.stdout, 'logged: unhandled promise rejection');
  assert.match(run.stdout, 'alive, process handlers: 2', 'only the policy own two handlers');
});

test.run();
