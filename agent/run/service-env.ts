/**
 * How the agent runs as a service, measured by bench/agent-memory.ts against the ≤ 300 MiB RSS goal
 * (bench/RESULTS.md): the unit's `Environment=` lines and the V8 flags of its ExecStart, both written by
 * install-service. Each entry says what it buys; all must be in place before the process starts, so none can
 * be set from inside the agent.
 */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  // glibc gives each thread that mallocs its own arena (tfjs-wasm, libvips, libuv and worker threads); two
  // arenas serve the same work with less memory parked in them: −50 to −60 MiB RSS after 50 verifications.
  MALLOC_ARENA_MAX: '2',
  // glibc raises its mmap threshold up to 32 MiB after the first large free, so libvips' frame buffers and
  // the WASM runtime's large blocks then come from the heap, whose top is rarely trimmed. A fixed 128 KiB
  // threshold (and trimming past 128 KiB) hands such blocks back when freed: −10 to −40 MiB on Node 24.
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072',
});


/**
 * V8 flags on the service's command line (ExecStart), not in NODE_OPTIONS: Node refuses --optimize-for-size
 * there, and NODE_OPTIONS would also reach every Node child the agent starts.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = Object.freeze([
  // V8's young generation, 16 MiB per semi-space by default (and kept at its high-water mark), is sized for
  // allocation-heavy servers; the agent's heap is ≈ 45 MiB and mostly long-lived: −20 MiB RSS.
  '--max-semi-space-size=2',
  // Slower heap growth and leaner compiled code, for a small device: −24 MiB on Node 24, no slower verification.
  '--optimize-for-size',
]);
