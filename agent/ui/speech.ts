/**
 * The kiosk's spoken prompts (config ui.audio): each text of AUDIO_TEXT said by espeak-ng's Vietnamese voice
 * into a WAV file, once, when the agent starts the pages; the page only plays them. Files are cached by a hash
 * of voice, espeak-ng version and text, so a changed text or voice makes a new file and an unchanged one costs
 * nothing at the next start. espeak-ng missing or failing is a log line and a silent kiosk, never a failure.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../../drivers/atomic-file.ts';
import { AUDIO_TEXT } from './public/strings.js';

const run = promisify(execFile);

export interface SpeechOptions {
  /** Where the WAV files are kept (the data dir's cache/audio). */
  dir: string;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** The espeak-ng binary (tests point it elsewhere to see the missing case). */
  command?: string;
  voice?: string;
  /** Words per minute: a little slower than espeak's 175 for a noisy shop. */
  speed?: number;
  texts?: Readonly<Record<string, string>>;
}

/** Clip id → absolute path of its WAV file; empty when audio cannot be made. */
export type SpeechClips = ReadonlyMap<string, string>;

export async function prepareSpeech(options: SpeechOptions): Promise<SpeechClips> {
  const { dir, log, command = 'espeak-ng', voice = 'vi', speed = 150, texts = AUDIO_TEXT } = options;
  const version = await espeakVersion(command);
  if (version === undefined) {
    log.warn({ command }, `kiosk: không có ${command} nên máy không đọc hướng dẫn thành tiếng (espeak-ng is not installed: apt-get install espeak-ng; the kiosk stays silent)`);
    return new Map();
  }
  const clips = new Map<string, string>();
  const scratch = await mkdtemp(join(tmpdir(), 'xacminh-speech-'));
  try {
    for (const [id, text] of Object.entries(texts)) {
      const file = join(dir, `${id}-${createHash('sha256').update(`${voice}\n${speed}\n${version}\n${text}`).digest('hex').slice(0, 16)}.wav`);
      try {
        if (!isWave(await readFile(file).catch(() => new Uint8Array()))) {
          const temp = join(scratch, `${id}.wav`);
          await run(command, ['-v', voice, '-s', String(speed), '-w', temp, text], { timeout: 20_000 });
          const wav = await readFile(temp);
          if (!isWave(wav)) throw new Error(`${command} wrote no valid WAV for "${id}"`);
          await writeFileAtomic(file, wav, 0o644);
        }
        clips.set(id, file);
      } catch (error) {
        log.warn({ err: error, id }, `kiosk: không tạo được câu nói "${id}" (espeak-ng failed for this prompt; it stays silent)`);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await removeStale(dir, new Set(clips.values()));
  log.info({ clips: clips.size, dir }, 'kiosk: spoken prompts ready');
  return clips;
}

/** espeak-ng's version line, or undefined when it cannot be run. */
async function espeakVersion(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, ['--version'], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Files of older texts or voices: a cache that only grows would fill a small SD card over the years. */
async function removeStale(dir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.endsWith('.wav') && !keep.has(join(dir, n))).map((n) => rm(join(dir, n), { force: true })));
}

/** A complete RIFF/WAVE file: header sizes that match the bytes, a fmt chunk, and a non-empty data chunk. */
export function isWave(bytes: Uint8Array): boolean {
  if (bytes.length < 44) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE' || view.getUint32(4, true) !== bytes.length - 8) return false;
  let fmt = false;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'fmt ') fmt = size >= 16 && view.getUint16(at + 8, true) === 1; // PCM
    if (tag(at) === 'data') return fmt && size > 0 && at + 8 + size <= bytes.length;
    at += 8 + size + (size % 2);
  }
  return false;
}
