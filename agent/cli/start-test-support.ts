/** For the start tests: a data dir as provisioning leaves it (device key, authority's public key, a site file with a real reader). */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeSiteDataDir(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const authority = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  mkdirSync(join(dataDir, 'identity'), { mode: 0o700 });
  mkdirSync(join(dataDir, 'authority'), { mode: 0o700 });
  writeFileSync(join(dataDir, 'identity', 'device-key.pem'), device.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dataDir, 'authority', 'authority-public.pem'), authority.publicKey.export({ type: 'spki', format: 'pem' }));
  // No reader need answer: a part that cannot start is reported and the terminal runs on.
  writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ siteId: 'hcm-q1', deviceId: 'quay-1', reader: { kind: 'pcsc' }, face: { enabled: false, required: false }, ui: { enabled: false }, inspection: { enabled: false } }));
  return dataDir;
}

/**
 * The demo's customers and their results, as printed: "#2 14:42:47 someone else presents …" then "   → REJECTED …".
 * The site flows' lines ("  site flows (Node-RED): editor …" once the runtime is up, "      site flow → relay-pulse …"
 * whenever a flow acts) come from another process at their own time, so one may fall between a customer and the
 * result: they are left out before pairing them.
 */
export function demoOutcomes(output: string): { who: string; result: string; detail: string }[] {
  const withoutFlows = output.replace(/^[ \t]+site flows? .*\n/gm, '');
  return [...withoutFlows.matchAll(/^#\d+ \S+ (.+?): .*\n\s+→ (VERIFIED|REJECTED|ERROR)(.*)$/gm)].map((m) => ({ who: m[1]!, result: m[2]!, detail: m[3]! }));
}
