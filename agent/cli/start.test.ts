// The README's first command: `xacminh start` with no arguments shows verifications flowing through the
// embedded broker to a subscriber, and stops cleanly on Ctrl-C (SIGINT) with everything delivered. Any
// other start without a site config is an error, never the demo.
import { spawn, spawnSync } from 'node:child_process';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demoOutcomes, makeSiteDataDir } from './start-test-support.ts';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');

test('xacminh start: the demo shows a verified customer, an impostor and a cloned chip within 30 s, and stops on Ctrl-C', async () => {
  // As `npm start` runs it: no --data-dir, no --config, so the demo in ./.data.
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-start-'));
  const env = { ...process.env };
  delete env.XACMINH_DATA_DIR;
  const child = spawn(process.execPath, [BIN, 'start', '--interval', '1'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    const started = Date.now();
    // "#2 14:42:47 someone else presents the holder’s card: …" then "   → REJECTED in … · face no-match …"
    const outcomes = () => demoOutcomes(output);
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
    await inspectorSeesTheDemo(output, outcomes().length);
    await siteFlowsRun(() => output);
    child.kill('SIGINT');
    assert.is(await exited, 0, output);
    assert.match(output, /xacminh: stopped \(\d+ verifications this run; \d+ in the register, \d+ event\(s\) waiting for the broker\)/);
    assert.ok(existsSync(join(dataDir, '.data', 'register.db')));
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * The inspection page the demo prints (issue 17's acceptance): its certificate is the one whose fingerprint was
 * printed, the demo inspector's one-time password logs in, and a search lists the demo's verifications.
 */
async function inspectorSeesTheDemo(output: string, verifications: number): Promise<void> {
  const url = /police inspection page\): (https:\/\/\S+)\/login/.exec(output)?.[1];
  const fingerprint = /SHA-256 ([0-9A-F:]{95})/.exec(output)?.[1];
  const password = /cán bộ demo: canbo\.demo · mật khẩu \(chỉ hiện lần này\): (\S+)/.exec(output)?.[1];
  assert.ok(url && fingerprint && password, `the inspection page's address, fingerprint and demo password are printed:\n${output}`);
  const origin = url.replace('0.0.0.0', '127.0.0.1');
  const call = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; cookie?: string; json: Record<string, unknown> }>((done, fail) => {
      // The self-signed certificate is trusted by its printed fingerprint, as the README tells the inspector.
      const req = https.request(new URL(path, origin), { method, headers, rejectUnauthorized: false }, (res) => {
        const seen = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        if (seen !== fingerprint) return fail(new Error(`certificate ${seen} is not the printed ${fingerprint}`));
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0], json: JSON.parse(text || '{}') as Record<string, unknown> }));
      });
      req.on('error', fail);
      req.end(body);
    });
  const login = await call('POST', '/api/login', { 'Content-Type': 'application/json', Origin: origin }, JSON.stringify({ username: 'canbo.demo', password }));
  assert.is(login.status, 200, JSON.stringify(login.json));
  const found = await call('GET', '/api/search', { Cookie: login.cookie ?? '' });
  assert.is(found.status, 200, JSON.stringify(found.json));
  assert.ok(Number(found.json.total) >= verifications, `the page lists the demo's ${verifications} verifications: ${JSON.stringify(found.json).slice(0, 300)}`);
}

/** The demo's site flows (issue 16's acceptance): the editor's address and a one-time password, and the relay flow firing. */
async function siteFlowsRun(output: () => string): Promise<void> {
  const started = Date.now();
  while (!/site flow → relay-pulse/.test(output()) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 200));
  assert.match(output(), /site flows \(Node-RED\): editor http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(output(), /mật khẩu dùng một lần \S{12,}/);
  assert.match(output(), /site flow → relay-pulse/, 'a verified customer pulses the relay through the default flow');
}

test('xacminh start --data-dir naming a folder without site.json exits 2 saying what to do, and creates nothing there', () => {
  const parent = mkdtempSync(join(tmpdir(), 'xacminh-start-'));
  const typo = join(parent, 'var-lib-xacminhh');
  try {
    const run = spawnSync(process.execPath, [BIN, 'start', '--data-dir', typo, '--count', '1'], { encoding: 'utf8', timeout: 60_000 });
    assert.is(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr.split('\n')[0]!, /^Không có cấu hình điểm \(site\.json\) trong .*var-lib-xacminhh: hãy cài đặt máy trước, hoặc dùng --demo/);
    assert.match(run.stderr, /no site config in .*var-lib-xacminhh.*provision it, or use --demo/);
    assert.not.ok(existsSync(typo), 'no data dir, device key or register was created');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});


test('a site config start leaves the configured-terminal marker, and the demo is refused in that data dir from then on', async () => {
  const dataDir = makeSiteDataDir('xacminh-start-site-');
  try {
    const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const started = Date.now();
    while (!output.includes('Ctrl-C to stop') && child.exitCode === null && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    assert.is(await exited, 0, output);
    assert.not.match(output, 'embedded demo');
    assert.ok(existsSync(join(dataDir, 'configured-terminal')), `marker left by the site start: ${output}`);
    const demo = spawnSync(process.execPath, [BIN, 'start', '--data-dir', dataDir, '--demo', '--count', '1'], { encoding: 'utf8', timeout: 60_000 });
    assert.is(demo.status, 2, demo.stdout + demo.stderr);
    assert.match(demo.stderr, /has run as a configured terminal: the demo never runs there/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
