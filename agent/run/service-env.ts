/**
 * The environment the agent runs in as a service (systemd `Environment=` lines, written by install-service),
 * measured by bench/agent-memory.ts against the ≤ 300 MiB RSS goal. Each entry says what it buys.
 */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  // glibc gives each thread that mallocs its own 64 MiB arena (tfjs-wasm, libvips and libuv threads): two
  // arenas hold the same work with less memory parked in them.
  MALLOC_ARENA_MAX: '2',
});
