/**
 * The environment the agent runs in as a service (systemd `Environment=` lines, written by install-service),
 * measured by bench/agent-memory.ts against the ≤ 300 MiB RSS goal (bench/RESULTS.md). Each entry says what
 * it buys; both must be in place before the process starts, so they cannot be set from inside the agent.
 */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  // glibc gives each thread that mallocs its own arena (tfjs-wasm, libvips, libuv and worker threads); two
  // arenas serve the same work with less memory parked in them: −50 to −60 MiB RSS after 50 verifications.
  MALLOC_ARENA_MAX: '2',
  // V8's young generation, 16 MiB per semi-space by default (and kept at its high-water mark), is sized for
  // allocation-heavy servers; the agent's heap is ≈ 45 MiB and mostly long-lived: −20 MiB RSS.
  NODE_OPTIONS: '--max-semi-space-size=2',
});

