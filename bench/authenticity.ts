/**
 * bench/authenticity: time of the authenticity checks on the virtual card, apart from the read time.
 * Passive, Active and Chip Authentication, each timed inside the read (ChipDocument.authenticationMs).
 *   node --import tsx bench/authenticity.ts [--runs N]
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { accessKeyFromIdNumber } from '../drivers/emrtd/access-key.ts';
import { findSigner, parseSignedData } from '../drivers/emrtd/authenticity/cms.ts';
import { checkAuthenticity } from '../drivers/emrtd/authenticity/verdict.ts';
import { TrustStore } from '../drivers/emrtd/authenticity/trust-store.ts';
import { readDocument } from '../drivers/emrtd/read-document.ts';
import { InProcessTransport } from '../drivers/sim/in-process-transport.ts';
import { makeVirtualCccd } from '../drivers/sim/make-card.ts';
import { sharedDataPath } from '../drivers/sim/shared-data.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const sim = await makeVirtualCccd();
const key = accessKeyFromIdNumber(sim.persona.idNumber);

const started = performance.now();
const masterList = new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml')));
// A bench pins the list's own signer: what is timed is loading and checking, not the site's choice of anchor.
const trust = new TrustStore({ masterListSigners: [findSigner(parseSignedData(masterList, 'icao.ml'))!.sha256] });
trust.importMasterList(masterList);
trust.add(new X509Certificate(sim.pki.cscaCertificate), 'simulator');
const loadMs = performance.now() - started;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const readMs: number[] = [];
const paMs: number[] = [];
const aaMs: number[] = [];
const caMs: number[] = [];
const allMs: number[] = [];
// Each protocol alone, then all of them: ChipDocument.authenticationMs is the time spent inside AA and CA.
for (let i = 0; i < runs; i++) {
  sim.card.reset();
  const transport = new InProcessTransport(sim.card);
  const plain = await readDocument(transport, key, { extendedLength: true, activeAuthentication: false, chipAuthentication: false });
  readMs.push(plain.stats.durationMs);
  sim.card.reset();
  const aaOnly = await readDocument(transport, key, { extendedLength: true, chipAuthentication: false });
  if (!aaOnly.activeAuthentication?.ok) throw new Error('Active Authentication failed on the genuine virtual card');
  aaMs.push(aaOnly.authenticationMs);
  sim.card.reset();
  const caOnly = await readDocument(transport, key, { extendedLength: true, activeAuthentication: false });
  if (!caOnly.chipAuthentication?.ok) throw new Error('Chip Authentication failed on the genuine virtual card');
  caMs.push(caOnly.authenticationMs);
  sim.card.reset();
  const full = await readDocument(transport, key, { extendedLength: true });
  const started = performance.now();
  const result = checkAuthenticity(full, trust);
  const pa = performance.now() - started;
  paMs.push(pa);
  allMs.push(pa + full.authenticationMs);
  if (result.verdict !== 'genuine') throw new Error(`The genuine virtual card was judged ${result.verdict}: ${result.reasons.join('; ')}`);
}
console.log(`trust store: ICAO master list (${trust.size} CSCAs) loaded and verified in ${loadMs.toFixed(0)} ms`);
console.log(`runs: ${runs}`);
console.log(`| step | median ms | p95 ms | ratio to read |`);
console.log(`|---|---|---|---|`);
const row = (name: string, xs: number[]) =>
  console.log(`| ${name} | ${median(xs).toFixed(1)} | ${p95(xs).toFixed(1)} | ${(median(xs) / median(readMs)).toFixed(2)} |`);
row('read (in process, extended, no AA/CA)', readMs);
row('passive authentication', paMs);
row('active authentication (RSA-1024, ISO/IEC 9796-2)', aaMs);
row('chip authentication (ECDH brainpoolP256r1, AES-128, one proof APDU)', caMs);
row('PA + AA + CA', allMs);
