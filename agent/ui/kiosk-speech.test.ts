// The spoken prompts: espeak-ng's Vietnamese voice makes a valid WAV for every prompt, once; without espeak-ng the kiosk is silent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_TEXT } from './public/strings.js';
import { isWave, prepareSpeech } from './speech.ts';
import { parseConfig } from '../config/load.ts';
import { startAgentUi } from '../run/ui.ts';
import type { VerificationSession } from '../session/session.ts';
import { FakeSession } from './fake-session.ts';

function logger() {
  const lines: { level: string; msg: string }[] = [];
  return { lines, info: (_o: object, msg = '') => lines.push({ level: 'info', msg }), warn: (_o: object, msg = '') => lines.push({ level: 'warn', msg }) };
}

let espeak = true;
try {
  execFileSync('espeak-ng', ['--version']);
} catch {
  espeak = false;
}

test('every prompt becomes a valid RIFF/WAVE file; a second start reuses them; a stale file is removed', async () => {
  if (!espeak) return void console.log('agent/ui/kiosk-speech.test.ts: espeak-ng is not installed (apt-get install espeak-ng, provisioning/bootstrap.sh does): generation is skipped');
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-speech-'));
  try {
    writeFileSync(join(dir, 'idle-0000000000000000.wav'), 'an old text');
    const log = logger();
    const clips = await prepareSpeech({ dir, log });
    assert.equal([...clips.keys()].sort(), Object.keys(AUDIO_TEXT).sort());
    for (const [id, file] of clips) {
      const wav = readFileSync(file);
      assert.ok(isWave(wav), `${id}: a complete RIFF/WAVE`);
      const seconds = wav.readUInt32LE(24) ? (wav.length - 44) / wav.readUInt32LE(28) : 0;
      assert.ok(seconds > 0.5 && seconds < 8, `${id}: ${seconds.toFixed(1)} s is a short prompt`);
    }
    assert.throws(() => statSync(join(dir, 'idle-0000000000000000.wav')), /ENOENT/, 'the stale clip is gone');
    const made = new Map([...clips].map(([id, file]) => [id, statSync(file).mtimeMs]));
    const again = await prepareSpeech({ dir, log: logger() });
    assert.equal(again, clips, 'the same files');
    for (const [id, file] of again) assert.is(statSync(file).mtimeMs, made.get(id), `${id} not made again`);
    assert.ok(log.lines.some((l) => l.level === 'info' && /spoken prompts ready/.test(l.msg)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without espeak-ng: a Vietnamese log line saying what to install, no clips, no error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-speech-'));
  try {
    const log = logger();
    const clips = await prepareSpeech({ dir, log, command: join(dir, 'no-such-espeak') });
    assert.is(clips.size, 0);
    assert.is(log.lines.length, 1);
    assert.is(log.lines[0]!.level, 'warn');
    assert.match(log.lines[0]!.msg, /^kiosk: không có .* nên máy không đọc hướng dẫn thành tiếng .*apt-get install espeak-ng/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ui.audio (default off) wires the prompts into the pages the agent starts: /kiosk.json lists them, the page can fetch each', async () => {
  assert.is(parseConfig({}).ui.audio, false);
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-speech-'));
  const session = new FakeSession() as unknown as VerificationSession; // startAgentUi only passes it on as OperatorActions
  try {
    for (const audio of [false, true]) {
      const ui = await startAgentUi(session, parseConfig({ ui: { port: 0, audio } }).ui, { ...logger(), error() {} }, undefined, undefined, { audioDir: dir });
      try {
        const { clips } = (await (await fetch(`${ui.url}/kiosk.json`)).json()) as { clips: string[] };
        if (!audio || !espeak) assert.equal(clips, [], `audio ${audio}, espeak-ng ${espeak}`);
        else {
          assert.equal(clips.sort(), Object.keys(AUDIO_TEXT).sort());
          const wav = Buffer.from(await (await fetch(`${ui.url}/audio/idle.wav`)).arrayBuffer());
          assert.ok(isWave(wav));
        }
      } finally {
        await ui.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('isWave: a header whose sizes do not match the bytes (espeak-ng --stdout) or a missing data chunk is not a WAV', () => {
  const wav = (riffSize: number, dataSize: number, dataBytes: number) => {
    const b = Buffer.alloc(44 + dataBytes);
    b.write('RIFF', 0, 'latin1');
    b.writeUInt32LE(riffSize, 4);
    b.write('WAVEfmt ', 8, 'latin1');
    b.writeUInt32LE(16, 16);
    b.writeUInt16LE(1, 20); // PCM
    b.writeUInt16LE(1, 22);
    b.writeUInt32LE(22050, 24);
    b.writeUInt32LE(44100, 28);
    b.writeUInt16LE(2, 32);
    b.writeUInt16LE(16, 34);
    b.write('data', 36, 'latin1');
    b.writeUInt32LE(dataSize, 40);
    return b;
  };
  assert.ok(isWave(wav(36 + 100, 100, 100)));
  assert.not.ok(isWave(wav(0x7ffff024, 0x7ffff000, 100)), 'streamed header');
  assert.not.ok(isWave(wav(36 + 100, 200, 100).subarray(0, 144)), 'data runs past the end');
  assert.not.ok(isWave(wav(36, 0, 0)), 'no sound');
  assert.not.ok(isWave(Buffer.from('RIFF-test-bytes')));
});

test.run();
