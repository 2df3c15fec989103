/**
 * `xacminh face-match --clips DIR`: a site's own recordings of real people (bona fide presentations), each
 * judged by the face step with the challenge the person was asked to do, to measure BPCER where the terminal
 * stands (issue 19). Each entry of DIR is one clip: a folder of frames (or holding one video file), or a video
 * file. The challenge comes from the clip's clip.json or its name prefix; the chip photo from the clip's own
 * photo.jpg / chip.jpg (or clip.json's "photo"), else --photo.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ClipSource, VIDEO_CLIP_EXTENSIONS } from '../../drivers/camera/clip-source.ts';
import { listImages } from '../../drivers/camera/folder-source.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { CHALLENGE_KINDS } from '../../models/liveness/liveness.ts';
import type { LocalFaceStep } from '../../models/face-step.ts';
import type { ChallengeKind, FaceEvidence } from '../../models/types.ts';

export const DEFAULT_CLIP_FPS = 15;
const CLIP_PHOTO_NAMES = ['photo.jpg', 'photo.jpeg', 'photo.jp2', 'chip.jpg', 'chip.jpeg', 'chip.jp2'];

export interface BonaFideClip {
  name: string;
  /** A folder of frames, or a video file. */
  source: { kind: 'frames'; files: string[] } | { kind: 'video'; path: string };
  challenge: ChallengeKind;
  challengeFrom: 'clip.json' | 'name';
  fps: number;
  photo: string;
}

interface ClipJson {
  challenge?: string;
  fps?: number;
  photo?: string;
}

/** The accepted forms, for error messages. */
export function clipFormsHelp(): string {
  const kinds = CHALLENGE_KINDS.join(', ');
  return (
    `each clip is a folder of frames (or holding one ${VIDEO_CLIP_EXTENSIONS.join('/')} file) or such a video file; ` +
    `its challenge (${kinds}) comes from clip.json {"challenge": "…"} or from the name prefix (e.g. ${CHALLENGE_KINDS[0]}-anna-01)`
  );
}

/** Every clip of `dir`, checked before any model loads: a clip that cannot be judged is bad input, named. */
export async function discoverClips(dir: string, defaults: { photo?: string | undefined; fps?: number | undefined }): Promise<BonaFideClip[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((cause: unknown) => {
    throw new XacminhError('INVALID_INPUT', `--clips ${dir} is not a readable folder`, { field: 'clips' }, { cause });
  });
  const clips: BonaFideClip[] = [];
  for (const entry of entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) clips.push(await folderClip(entry.name, path, defaults));
    else if (isVideo(entry.name)) clips.push(videoClip(entry.name, path, {}, defaults.photo, defaults.fps));
    else throw clipError(entry.name, `is neither a folder of frames nor a video file (${VIDEO_CLIP_EXTENSIONS.join(', ')})`);
  }
  if (clips.length === 0) throw new XacminhError('INVALID_INPUT', `No clips in ${dir}: ${clipFormsHelp()}`, { field: 'clips' });
  return clips;
}

async function folderClip(name: string, folder: string, defaults: { photo?: string | undefined; fps?: number | undefined }): Promise<BonaFideClip> {
  const meta = await readClipJson(name, folder);
  const own = meta.photo ?? (await firstExisting(folder, CLIP_PHOTO_NAMES));
  if (meta.photo !== undefined && !(await isFile(join(folder, meta.photo)))) throw clipError(name, `clip.json names photo ${meta.photo}, which is not in the clip`);
  const photo = own !== undefined ? join(folder, own) : defaults.photo;
  const notFrames = new Set([...CLIP_PHOTO_NAMES, ...(own ? [own] : [])]);
  const files = (await listImages(folder)).filter((f) => !notFrames.has(basename(f)));
  if (files.length > 0) return { ...base(name, meta, photo, defaults.fps), source: { kind: 'frames', files } };
  const videos = (await readdir(folder)).filter(isVideo);
  if (videos.length === 1) return videoClip(name, join(folder, videos[0]!), meta, photo, defaults.fps);
  throw clipError(name, videos.length > 1 ? 'holds more than one video file' : `holds no frames (.jpg, .png, .webp) and no video file (${VIDEO_CLIP_EXTENSIONS.join(', ')})`);
}

function videoClip(name: string, path: string, meta: ClipJson, photo: string | undefined, fps: number | undefined): BonaFideClip {
  return { ...base(name, meta, photo, fps), source: { kind: 'video', path } };
}

function base(name: string, meta: ClipJson, photo: string | undefined, fps: number | undefined): Omit<BonaFideClip, 'source'> {
  const challenge = meta.challenge ?? challengeFromName(name);
  if (challenge === undefined) throw clipError(name, `has no challenge: ${clipFormsHelp()}`);
  if (!(CHALLENGE_KINDS as readonly string[]).includes(challenge)) {
    throw clipError(name, `asks for an unknown challenge "${challenge}" (known: ${CHALLENGE_KINDS.join(', ')})`);
  }
  if (photo === undefined) throw clipError(name, 'has no chip photo: put photo.jpg or chip.jpg in the clip, name one in clip.json ("photo"), or give --photo');
  return { name, challenge: challenge as ChallengeKind, challengeFrom: meta.challenge !== undefined ? 'clip.json' : 'name', fps: meta.fps ?? fps ?? DEFAULT_CLIP_FPS, photo };
}

/** The longest challenge kind the name starts with, followed by '-', '_', '.' or nothing ('turn-left-anna'). */
export function challengeFromName(name: string): ChallengeKind | undefined {
  const stem = isVideo(name) ? name.slice(0, -extname(name).length) : name;
  const kinds = [...CHALLENGE_KINDS].sort((a, b) => b.length - a.length);
  return kinds.find((k) => stem === k || (stem.startsWith(k) && '-_.'.includes(stem[k.length]!)));
}

async function readClipJson(name: string, folder: string): Promise<ClipJson> {
  let text: string;
  try {
    text = await readFile(join(folder, 'clip.json'), 'utf8');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw clipError(name, `clip.json is not valid JSON: ${(cause as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw clipError(name, 'clip.json must be an object like {"challenge": "blink", "fps": 15, "photo": "chip.jpg"}');
  const { challenge, fps, photo } = json as Record<string, unknown>;
  if (challenge !== undefined && typeof challenge !== 'string') throw clipError(name, 'clip.json "challenge" must be a string');
  if (fps !== undefined && !(typeof fps === 'number' && fps > 0 && fps <= 60)) throw clipError(name, 'clip.json "fps" must be a number in (0, 60]');
  if (photo !== undefined && (typeof photo !== 'string' || photo.includes('/') || photo.includes('\\'))) throw clipError(name, 'clip.json "photo" must be a file name in the clip folder');
  return { ...(challenge !== undefined ? { challenge } : {}), ...(fps !== undefined ? { fps } : {}), ...(photo !== undefined ? { photo } : {}) };
}

function clipError(name: string, problem: string): XacminhError {
  return new XacminhError('INVALID_INPUT', `Clip ${name} ${problem}`, { field: 'clips', clip: name });
}

function isVideo(name: string): boolean {
  return VIDEO_CLIP_EXTENSIONS.includes(extname(name).toLowerCase());
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

async function firstExisting(folder: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) if (await isFile(join(folder, name))) return name;
  return undefined;
}

export interface ClipResult {
  clip: string;
  challenge: ChallengeKind;
  challengeFrom: BonaFideClip['challengeFrom'];
  fps: number;
  frames: number | null;
  evidence: FaceEvidence | null;
  /** The clip could not be judged (unreadable photo, no face in it, a video ffmpeg cannot decode). */
  error: string | null;
}

/**
 * Plays each clip through a step sharing `step`'s engine with the clip's challenge forced. The step's limit is
 * wall-clock while the clip's time is its own: by default it allows 30 s plus 2 s a frame, so only a hung model
 * cuts a clip short (the evidence then says 'timeout').
 */
export async function runClips(
  step: LocalFaceStep,
  clips: readonly BonaFideClip[],
  options: { timeoutS?: number | undefined; onClip?: (result: ClipResult) => void } = {},
): Promise<ClipResult[]> {
  const results: ClipResult[] = [];
  for (const clip of clips) {
    const result: ClipResult = { clip: clip.name, challenge: clip.challenge, challengeFrom: clip.challengeFrom, fps: clip.fps, frames: null, evidence: null, error: null };
    let source: ClipSource | undefined;
    try {
      const photo = new Uint8Array(await readFile(clip.photo));
      source = clip.source.kind === 'frames' ? ClipSource.fromFiles(clip.source.files, clip.fps, clip.name) : await ClipSource.fromVideo(clip.source.path, clip.fps);
      result.frames = source.length;
      await source.start();
      const timeoutMs = (options.timeoutS ?? 30 + 2 * source.length) * 1000;
      result.evidence = await step.sharingEngine({ challenge: clip.challenge }).run(photo, source, { timeoutMs });
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
    } finally {
      await source?.stop();
    }
    results.push(result);
    options.onClip?.(result);
  }
  return results;
}
