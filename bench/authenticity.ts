/**
 * bench/authenticity: time of the authenticity checks on the virtual card, apart from the read time.
 * Passive and Active Authentication (Chip Authentication is not built yet).
 *   node --import tsx bench/authenticity.ts [--runs N]
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { accessKeyFromIdNumber } from '../drivers/emrtd/access-key.ts';
import { checkAuthenticity } from '../drivers/emrtd/authenticity/verdict.ts';
import { TrustStore } from '../drivers/emrtd/authenticity/trust-store.ts';
import { readDocument } from '../drivers/emrtd/read-document.ts';
import { InProcessTransport } from '../drivers/sim/in-process-transport.ts';
import { makeVirtualCccd } from '../drivers/sim/make-card.ts';
import { sharedDataPath } from '../drivers/sim/shared-data.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const sim = await makeVirtualCccd();
const key = accessKeyFromIdNumber(sim.persona.idNumber);

let started = performance.now();
const trust = new TrustStore();
trust.importMasterList(new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml'))));
trust.add(new X509Certificate(sim.pki.cscaCertificate), 'simulator');
const loadMs = performance.now() - started;

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const readMs: number[] = [];
const paMs: number[] = [];
const aaMs: number[] = [];
for (let i = 0; i < runs; i++) {
  sim.card.reset();
  started = performance.now();
  const transport = new InProcessTransport(sim.card);
  const doc = await readDocument(transport, key, { extendedLength: true, activeAuthentication: false });
  readMs.push(performance.now() - started);
  sim.card.reset();
  const withAa = await readDocument(transport, key, { extendedLength: true });
  aaMs.push(withAa.stats.durationMs - doc.stats.durationMs);
  if (!withAa.activeAuthentication?.ok) throw new Error('Active Authentication failed on the genuine virtual card');
  started = performance.now();
  const result = checkAuthenticity(doc, trust);
  paMs.push(performance.now() - started);
  if (!result.passive.ok) throw new Error('Passive Authentication failed on the genuine virtual card');
}
console.log(`trust store: ICAO master list (${trust.size} CSCAs) loaded and verified in ${loadMs.toFixed(0)} ms`);
console.log(`| step | median ms | ratio to read |`);
console.log(`|---|---|---|`);
console.log(`| read (in process, extended) | ${median(readMs).toFixed(1)} | 1.00 |`);
console.log(`| passive authentication | ${median(paMs).toFixed(1)} | ${(median(paMs) / median(readMs)).toFixed(2)} |`);
console.log(`| active authentication (read with AA minus read without) | ${median(aaMs).toFixed(1)} | ${(median(aaMs) / median(readMs)).toFixed(2)} |`);
console.log('| chip authentication | not built | |');
