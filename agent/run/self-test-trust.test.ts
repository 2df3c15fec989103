// The self-test command shows the trust store's problems (an unpinned master list, a CRL no CSCA signed, a
// stale CRL) to whoever runs it from the central side, and does not call such a terminal ok.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generatePkiVariant } from '../../drivers/sim/test-pki-variants.ts';
import { parseConfig } from '../config/load.ts';
import { Agent } from './agent.ts';
import { agentCommands } from './commands.ts';

const quiet = { info() {}, warn() {}, error() {} };

type Reply = { ok: boolean; trust: { anchors: number; problems: { file: string; message: string }[] }; checks: { id: string; status: string; hint: string | null }[] };

async function selfTestWith(trustFiles: Record<string, Uint8Array>, clock?: () => Date): Promise<Reply> {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-selftest-trust-'));
  const agent = new Agent({ config: parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false } }), dataDir: join(dir, 'data'), demo: true, log: quiet });
  try {
    mkdirSync(join(dir, 'data', 'trust'), { recursive: true });
    for (const [name, bytes] of Object.entries(trustFiles)) writeFileSync(join(dir, 'data', 'trust', name), bytes);
    await agent.start();
    const reply = await agentCommands(agent, undefined, clock ? { clock } : {}).dispatch('self-test', undefined);
    assert.ok(reply.ok, JSON.stringify(reply));
    return reply.result as Reply;
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a CRL that no trusted CSCA signed is in the self-test reply, by file name, and the terminal is not ok', async () => {
  const result = await selfTestWith({ 'revoked.crl': new TextEncoder().encode('-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n') });
  assert.is(result.ok, false);
  assert.equal(result.trust.problems.map((p) => p.file), ['revoked.crl']);
  assert.ok(result.trust.problems[0]!.message.length > 20, result.trust.problems[0]!.message);
  // The suite's trust check says the same, by file, with what to do.
  const check = result.checks.find((c) => c.id === 'trust.store')!;
  assert.is(check.status, 'fail');
  assert.match(check.hint!, /revoked\.crl/);
});

test('a CRL current at start and stale by the time self-test runs: in the reply, and the terminal is not ok', async () => {
  const pki = generatePkiVariant({ country: 'VN' });
  const nextUpdate = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  const files = { 'csca.der': pki.cscaCertificate, 'vn.crl': pki.crl([], { nextUpdate }) };
  const now = await selfTestWith(files);
  assert.equal([now.ok, now.trust.problems], [true, []]);
  const later = await selfTestWith(files, () => new Date(nextUpdate.getTime() + 1000));
  assert.is(later.ok, false);
  assert.equal(later.trust.problems.map((p) => p.file), ['vn.crl']);
  assert.match(later.trust.problems[0]!.message, /expired on .*Download that CSCA's current CRL/);
});

test('an empty trust folder has no problems to show', async () => {
  const result = await selfTestWith({});
  assert.equal(result.trust.problems, []);
});

test.run();
