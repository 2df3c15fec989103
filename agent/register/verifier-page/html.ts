/**
 * The one-file verifier page: ui.ts and its modules bundled by esbuild into an inline script, page.css inline,
 * and a CSP that allows exactly those two (by hash) and blob: images (decrypted frames) — no connection,
 * no other source, so an export never leaves the inspector's browser. Built once per process, then cached:
 * the inspection page serves it at /verify.html and `xacminh register verifier-page` writes it to a file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XacminhError } from '../../../drivers/errors.ts';

const HERE = import.meta.dirname;

export interface VerifierPage {
  /** UTF-8 text, self-contained. */
  html: string;
  /** The CSP its meta tag carries: a server may send the same as a header (a different header CSP would block the inline script). */
  csp: string;
}

let cached: Promise<VerifierPage> | undefined;

/** The page and its CSP. A failed build is not cached: the next call tries again. */
export function verifierPage(): Promise<VerifierPage> {
  cached ??= buildPage().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** The page's HTML. */
export async function verifierPageHtml(): Promise<string> {
  return (await verifierPage()).html;
}

const cspHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The CSP for given inline script and style texts (exported for the tests, which check the page's own). */
export function verifierPageCsp(script: string, style: string): string {
  return `default-src 'none'; script-src ${cspHash(script)}; style-src ${cspHash(style)}; img-src blob:; base-uri 'none'; form-action 'none'`;
}

async function buildPage(): Promise<VerifierPage> {
  // From the sources (tsx) or from the compiled dist/ (node): esbuild bundles either.
  const entry = ['ui.ts', 'ui.js'].map((name) => join(HERE, name)).find((path) => existsSync(path));
  if (!entry) throw new XacminhError('CONFIG_INVALID', `Không tìm thấy mã nguồn trang kiểm tra trong ${HERE} (the verifier page's ui script is missing: reinstall)`, { dir: HERE });
  let script: string;
  try {
    const { build } = await import('esbuild');
    const result = await build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2020', minify: true, charset: 'utf8', legalComments: 'none', logLevel: 'silent' });
    script = result.outputFiles[0]!.text;
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `Không tạo được trang kiểm tra (cannot bundle the verifier page: ${(error as Error).message})`, { entry }, { cause: error });
  }
  // Inside an inline script, "</script" would end it early; "<\/" means the same in any JS string or regex.
  script = script.trimEnd().replace(/<\/(script)/gi, '<\\/$1');
  const style = readFileSync(join(HERE, 'page.css'), 'utf8');
  const template = readFileSync(join(HERE, 'page.html'), 'utf8');
  const csp = verifierPageCsp(script, style);
  const parts: Record<string, string> = { CSP: csp, STYLE: style, SCRIPT: script };
  // A function replacer: the script may contain "$&" and the like, which a replacement string would expand.
  return { html: template.replace(/\{\{(CSP|STYLE|SCRIPT)\}\}/g, (_match, name: string) => parts[name]!), csp };
}
