// The process-wide policy, in child processes (it changes what the process does on an error nothing caught):
// an unhandled rejection is logged and the process keeps answering; an uncaught exception is logged and the
// process exits with UNCAUGHT_EXIT_CODE for its supervisor to restart it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UNCAUGHT_EXIT_CODE } from './process-policy.ts';

const test = suite('process policy');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-policy-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A child that installs the policy with the agent's logger (pino on stderr), then does `trigger`; it answers "pong" to each stdin line. */
function child(name: string, trigger: string) {
  const script = join(dir, `${name}.mjs`);
  writeFileSync(
    script,
    [
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};`,
      `import { pino } from ${JSON.stringify(import.meta.resolve('pino'))};`,
      'register();',
      `const { installProcessPolicy } = await import(${JSON.stringify(pathToFileURL(resolve(import.meta.dirname, 'process-policy.ts')).href)});`,
      "installProcessPolicy(pino({ base: null }, pino.destination(2)));",
      "process.stdin.on('data', () => process.stdout.write('pong\\n'));",
      trigger,
    ].join('\n'),
  );
  const proc = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  return { proc, out, exited };
}

/** Waits for `predicate`; fails (not hangs to the runner's watchdog) if the child exits or 20 s pass first. */
async function until(predicate: () => boolean, what: string, exited: Promise<number | null>, deadlineMs = 20_000): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + deadlineMs;
  while (!predicate()) {
    if (gone !== undefined) throw new Error(`the child exited (${gone}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`no sign of ${what} after ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('until gives up with a message when what it waits for never comes', async () => {
  const never = new Promise<number | null>(() => undefined);
  const error = await until(() => false, 'something that never happens', never, 100).then(() => undefined, (e: unknown) => e);
  assert.match(String(error), /no sign of something that never happens after 0.1 s/);
});

test('an unhandled rejection is logged at error level and the process keeps answering', async () => {
  const { proc, out, exited } = child('rejection', "Promise.reject(new Error('lost work'));");
  try {
    await until(() => out.stderr.includes('lost work'), 'logging the rejection', exited);
    const line = JSON.parse(out.stderr.trim().split('\n')[0]!) as { level: number; msg: string };
    assert.is(line.level, 50, 'pino error level');
    assert.match(line.msg, /unhandled promise rejection .*keeps running.*: lost work/);
    proc.stdin.write('ping\n');
    await until(() => out.stdout.includes('pong'), 'answering after the rejection', exited);
    proc.stdin.end();
    proc.stdin.destroy();
  } finally {
    proc.kill();
    await exited;
  }
});

test(`an uncaught exception is logged and the process exits with ${UNCAUGHT_EXIT_CODE}`, async () => {
  const { proc, out, exited } = child('exception', "setImmediate(() => { throw new Error('boom'); });");
  const code = await exited;
  proc.stdin.destroy();
  assert.is(code, UNCAUGHT_EXIT_CODE, out.stderr);
  const line = JSON.parse(out.stderr.trim().split('\n')[0]!) as { level: number; msg: string };
  assert.is(line.level, 50);
  assert.match(line.msg, new RegExp(`uncaught exception: the agent exits with code ${UNCAUGHT_EXIT_CODE} .*: boom`));
});

test.run();
