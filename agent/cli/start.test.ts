// The README's first command: `xacminh start` with no config shows verifications flowing through the
// embedded broker to a subscriber, and stops cleanly on Ctrl-C (SIGINT) with everything delivered.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');

test('xacminh start: the demo shows a verified customer, an impostor and a cloned chip within 30 s, and stops on Ctrl-C', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-start-'));
  const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir, '--interval', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    const started = Date.now();
    // "#2 14:42:47 someone else presents the holder’s card: …" then "   → REJECTED in … · face no-match …"
    const outcomes = () => [...output.matchAll(/^#\d+ \S+ (.+?): .*\n\s+→ (VERIFIED|REJECTED|ERROR)(.*)$/gm)].map((m) => ({ who: m[1]!, result: m[2]!, detail: m[3]! }));
    const seen = (who: RegExp) => outcomes().some((o) => who.test(o.who));
    while (!(seen(/holder presents/) && seen(/someone else/) && seen(/cloned chip/)) && Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(seen(/someone else/) && seen(/cloned chip/), output);
    for (const o of outcomes()) {
      if (/holder presents/.test(o.who)) assert.is(o.result, 'VERIFIED', output);
      // Every impostor turned away, the first one included (a frame of the previous customer once let it through).
      else if (/someone else/.test(o.who)) assert.ok(o.result === 'REJECTED' && o.detail.includes('face no-match'), output);
      else if (/cloned chip/.test(o.who)) assert.ok(o.result === 'REJECTED' && o.detail.includes('not-genuine'), output);
    }
    assert.match(output, /subscriber ← xacminh\/v1\/demo-site\/demo-terminal\/event\/verification: VERIFIED .*signature ok; personal data was encrypted/);
    child.kill('SIGINT');
    assert.is(await exited, 0, output);
    assert.match(output, /xacminh: stopped \(\d+ verifications this run; \d+ in the register, \d+ event\(s\) waiting for the broker\)/);
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
