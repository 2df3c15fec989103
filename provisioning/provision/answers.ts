/**
 * The technician's answers to `xacminh provision`, from a JSON file (--answers) or the prompts: one strict
 * schema for both, and one error naming every wrong field by its path, in Vietnamese and English.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { XacminhError } from '../../drivers/errors.ts';
import { configProblems } from '../../agent/config/issues.ts';
import { cameraSchema, pinsSchema, readerSchema, scannerSchema, sha256Fingerprint } from '../../agent/config/schema.ts';
import { siteProfileSchema } from '../../agent/config/site-profile.ts';
import { ROLES, usernameSchema } from '../../agent/accounts/accounts.ts';

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" or "_" only, at most 64 (it becomes part of MQTT topics and the certificate)');

export const answersSchema = z.strictObject({
  enrolment: z.strictObject({
    url: z.url({ protocol: /^https$/, error: 'an https:// URL of the enrolment service' }),
    caFingerprint: sha256Fingerprint,
    /**
     * The one-time code. On a re-run it may be the used one, or left out: an enrolled terminal does not
     * send it again. Without a code, a terminal that has no enrolment yet stops at the identity step.
     */
    code: z.string().trim().min(4).max(200).optional(),
  }),
  siteId: id,
  deviceId: id,
  /** The site profile. Fields the signed site bundle carries may be left out; a field given here wins over the bundle's. */
  profile: siteProfileSchema.partial().prefault({}),
  accounts: z
    .array(z.strictObject({ username: usernameSchema, role: z.enum(ROLES) }))
    .min(1, 'at least one account (a technician)')
    .refine((list) => new Set(list.map((a) => a.username)).size === list.length, 'each username once'),
  trust: z
    .strictObject({
      /** CSCA certificates (.der/.pem/.cer), ICAO master lists (.ml) and CRLs (.crl), relative to the answers file. */
      import: z.array(z.string().min(1)).default([]),
      /** SHA-256 of master list signers (or CSCAs they chain to) the technician trusts. */
      masterListSigners: z.array(sha256Fingerprint).default([]),
    })
    .prefault({}),
  devices: z
    .strictObject({
      reader: readerSchema.default({ kind: 'pcsc' }),
      camera: cameraSchema.default({ kind: 'v4l2', device: '/dev/video0', width: 1280, height: 720 }),
      scanner: scannerSchema.nullable().default(null),
      indicators: z.strictObject({ pins: pinsSchema.default({}), activeLow: z.boolean().default(false) }).prefault({}),
    })
    .prefault({}),
  /** Where the terminal's data lives; else --data-dir, $XACMINH_DATA_DIR, /var/lib/xacminh as root, ./.data. */
  dataDir: z.string().min(1).optional(),
});

export type Answers = z.infer<typeof answersSchema>;
export type AnswersInput = z.input<typeof answersSchema>;

/** Validates answers; INVALID_INPUT naming every wrong field (evidence.problems, evidence.linesVi). */
export function parseAnswers(raw: unknown, source = 'answers'): Answers {
  const parsed = answersSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const found = configProblems(parsed.error.issues);
  const problems = found.map((p) => `${p.path}: ${p.message}`);
  const linesVi = found.map((p) => `${p.path} — ${p.messageVi}`);
  throw new XacminhError('INVALID_INPUT', `${source} is not valid — fix these fields:\n  ${problems.join('\n  ')}`, { source, problems, linesVi });
}

/** Reads an answers file; paths of trust files inside it are taken relative to the file. */
export function readAnswersFile(path: string): Answers {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code ? `cannot be read (${code})` : `is not valid JSON (${(error as Error).message})`;
    throw new XacminhError('INVALID_INPUT', `${path} ${why}`, { source: path, linesVi: [`Tệp trả lời ${path} ${code ? `không đọc được (${code})` : 'không phải JSON hợp lệ'}`] }, { cause: error });
  }
  const answers = parseAnswers(raw, path);
  const base = resolve(path, '..');
  return { ...answers, trust: { ...answers.trust, import: answers.trust.import.map((file) => resolve(base, file)) } };
}

/** The data dir: the answers', else --data-dir, else $XACMINH_DATA_DIR, else /var/lib/xacminh as root, else ./.data. */
export function resolveDataDir(answers: { dataDir?: string | undefined } | undefined, option: string | undefined, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  return resolve(answers?.dataDir ?? option ?? env.XACMINH_DATA_DIR ?? (uid === 0 ? '/var/lib/xacminh' : './.data'));
}
