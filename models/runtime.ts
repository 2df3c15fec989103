/**
 * The one TensorFlow.js instance of the process. tfjs-core + the WASM backend (SIMD; tfjs-wasm runs
 * single-threaded in Node) by default; @tensorflow/tfjs-node when it happens to be installed (an optional
 * accelerator: no official arm64 build, so never required). Human's node-wasm build `require`s the same
 * @tensorflow/tfjs-core, so Human's models and our own ResNet share this instance, its backend and memory.
 * face-api's own bundles cannot share it (node-wasm needs the absent `@tensorflow/tfjs` umbrella; the esm
 * build bundles a second tfjs), so its recognition weights run through models/recognition-net.ts instead.
 *
 * Models load only through the `pinned-model://` router below: bytes come from ModelStore (SHA-256 checked),
 * never from fetch or the network.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { XacminhError } from '../drivers/errors.ts';
import type { ModelStore } from './manifest.ts';

export type Tf = typeof tf;

export interface Runtime {
  tf: Tf;
  backend: 'wasm' | 'tensorflow';
  simd: boolean;
  threads: boolean;
  wasmDir: string;
}

export const MODEL_SCHEME = 'pinned-model://';

let runtime: Promise<Runtime> | undefined;
const stores = new Map<string, ModelStore>();
let nextStore = 0;

/** Idempotent: the backend is chosen once per process. XACMINH_TF_BACKEND=wasm forces WASM even with tfjs-node. */
export function initRuntime(): Promise<Runtime> {
  runtime ??= start().catch((cause: unknown) => {
    runtime = undefined;
    throw new XacminhError('MODEL_INVALID', `Cannot start TensorFlow.js: ${String(cause)}; reinstall the packages (npm ci)`, {}, { cause });
  });
  return runtime;
}

async function start(): Promise<Runtime> {
  const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')), '/');
  let backend: Runtime['backend'] = 'wasm';
  if (process.env.XACMINH_TF_BACKEND !== 'wasm' && (await tryTfjsNode())) backend = 'tensorflow';
  if (backend === 'wasm') setWasmPaths(wasmDir);
  const foreignHandlers = new ProcessHandlerGuard();
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
    await tf.ready();
  } finally {
    foreignHandlers.removeAdded();
  }
  // tfjs types a router as never returning null, but its registry skips routers that do (non-string URLs).
  tf.io.registerLoadRouter(pinnedRouter as (url: string | string[]) => tf.io.IOHandler);
  const simd = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  const threads = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : true;
  return { tf, backend, simd, threads, wasmDir };
}

/**
 * Emscripten's Node glue in tfjs-backend-wasm adds process handlers that rethrow every unhandled rejection
 * and uncaught exception: loading the face models would turn the agent's policy (log a stray rejection and
 * keep serving, agent/run/process-policy.ts) into a crash. The process's error policy is the agent's alone.
 */
class ProcessHandlerGuard {
  private readonly before = {
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
    uncaughtException: new Set(process.listeners('uncaughtException')),
  };

  removeAdded(): void {
    for (const listener of process.listeners('unhandledRejection')) {
      if (!this.before.unhandledRejection.has(listener)) process.off('unhandledRejection', listener);
    }
    for (const listener of process.listeners('uncaughtException')) {
      if (!this.before.uncaughtException.has(listener)) process.off('uncaughtException', listener);
    }
  }
}

async function tryTfjsNode(): Promise<boolean> {
  const name = '@tensorflow/tfjs-node'; // a variable: the package is optional and absent from the type graph
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/** Registers a store and returns the URL prefix under which its files load (e.g. for Human's modelBasePath). */
export function mountStore(store: ModelStore): { prefix: string; unmount: () => void } {
  const id = `s${nextStore++}`;
  stores.set(id, store);
  return { prefix: `${MODEL_SCHEME}${id}/`, unmount: () => stores.delete(id) };
}

/** tfjs load router: claims every URL it can see, so an unpinned path can never fall through to fetch. */
function pinnedRouter(url: string | string[]): tf.io.IOHandler | null {
  if (typeof url !== 'string' || url.startsWith('indexeddb://') || url.startsWith('localstorage://')) return null;
  return { load: () => loadPinned(url) };
}

async function loadPinned(url: string): Promise<tf.io.ModelArtifacts> {
  if (!url.startsWith(MODEL_SCHEME)) {
    throw new XacminhError('MODEL_INVALID', `Refusing to load a model from ${url}: models load only from pinned local files`, { url });
  }
  const [id, ...rest] = url.slice(MODEL_SCHEME.length).split('/');
  const store = stores.get(id ?? '');
  if (!store) throw new XacminhError('MODEL_INVALID', `No model store mounted for ${url}`, { url });
  const path = rest.join('/');
  const json = JSON.parse(new TextDecoder().decode(await store.take(path))) as {
    modelTopology?: unknown;
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: unknown;
    userDefinedMetadata?: Record<string, unknown>;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const dir = path.slice(0, path.lastIndexOf('/') + 1);
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) for (const p of group.paths) chunks.push(await store.take(dir + p));
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    signature: json.signature as object,
    userDefinedMetadata: json.userDefinedMetadata ?? {},
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: concat(chunks),
  } as tf.io.ModelArtifacts;
}

export function concat(chunks: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out.buffer;
}
