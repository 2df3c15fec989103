/** Reads and validates the site config; a bad file is one clear error naming every wrong field. */
import { readFile } from 'node:fs/promises';
import { XacminhError } from '../../drivers/errors.ts';
import { configSchema, type AgentConfig } from './schema.ts';

export function parseConfig(input: unknown, source = 'config'): AgentConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  throw new XacminhError('CONFIG_INVALID', `${source} is not valid — fix these fields:\n  ${problems.join('\n  ')}`, { source, problems });
}

/** A missing file means the embedded defaults; an unreadable or malformed one is an error, never a silent default. */
export async function loadConfigFile(path: string): Promise<{ config: AgentConfig; fromFile: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { config: parseConfig({}, 'embedded defaults'), fromFile: false };
    throw new XacminhError('CONFIG_INVALID', `Cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, { path }, { cause: error });
  }
  return { config: parseConfig(json, path), fromFile: true };
}
