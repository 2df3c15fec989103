/**
 * Reads and validates the site config; a bad file is one clear error naming every wrong field. The error's
 * evidence.linesVi holds one Vietnamese line per problem (the technician's language), printed before the English.
 */
import { readFile } from 'node:fs/promises';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import { configProblems } from './issues.ts';
import { jsonErrorPosition } from './json-position.ts';
import { migrateSiteConfig } from './migrate.ts';
import { configSchema, type AgentConfig } from './schema.ts';

/** Validates a config, after bringing an older version up to the current one (in memory only: see migrate.ts). */
export function parseConfig(input: unknown, source = 'config'): AgentConfig {
  const parsed = configSchema.safeParse(migrateSiteConfig(input ?? {}).config, { reportInput: true });
  if (parsed.success) return parsed.data;
  const found = configProblems(parsed.error.issues);
  const problems = found.map((p) => `${p.path}: ${p.message}`);
  const linesVi = found.map((p) => `Cấu hình ${source} không hợp lệ: ${p.path} — ${p.messageVi}`);
  throw new XacminhError('CONFIG_INVALID', `${source} is not valid — fix these fields:\n  ${problems.join('\n  ')}`, { source, problems, linesVi });
}

/** A missing file means the embedded defaults; an unreadable or malformed one is an error, never a silent default. */
export async function loadConfigFile(path: string): Promise<{ config: AgentConfig; fromFile: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { config: parseConfig({}, 'embedded defaults'), fromFile: false };
    const linesVi = [`Không đọc được tệp cấu hình ${path} (${(error as NodeJS.ErrnoException).code ?? 'lỗi'}): kiểm tra quyền đọc tệp`];
    throw new XacminhError('CONFIG_INVALID', `Cannot read ${path}: ${(error as Error).message}`, { path, linesVi }, { cause: error });
  }
  return { config: parseConfig(parseJson(text.replace(/^\uFEFF/, ''), path), path), fromFile: true }; // an editor's byte-order mark is not an error
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = jsonErrorPosition(text);
    const where = at ? ` at line ${at.line}, column ${at.column}` : '';
    const linesVi = [`Cấu hình ${path} không hợp lệ: lỗi cú pháp JSON${at ? ` ở dòng ${at.line}, cột ${at.column}` : ''} (thiếu hoặc thừa dấu phẩy, ngoặc, dấu nháy?)`];
    throw new XacminhError('CONFIG_INVALID', `${path} is not valid JSON${where}: ${(error as Error).message}`, { path, ...(at ? { line: at.line, column: at.column } : {}), linesVi }, { cause: error });
  }
}

/** What `xacminh start` prints for a config it cannot use: the Vietnamese lines, then the English detail. */
export function configErrorLines(error: unknown): string[] {
  if (!isXacminhError(error)) return [`xacminh: ${String(error)}`];
  const linesVi = Array.isArray(error.evidence.linesVi) ? error.evidence.linesVi.map(String) : [];
  return [...linesVi, `xacminh: ${error.message} [${error.code}]`];
}
