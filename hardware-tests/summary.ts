/** The technician's summary: one line per check with its mark, and the hint under anything not passed. */
import type { Check, CheckResult, CheckStatus } from './types.ts';

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', marginal: '!', skip: '–' };
const OVERALL = {
  vi: { pass: 'ĐẠT: máy sẵn sàng', marginal: 'ĐẠT CÓ LƯU Ý: xem các dòng có dấu !', fail: 'KHÔNG ĐẠT: sửa các dòng có dấu ✗ rồi chạy lại' },
  en: { pass: 'PASS: the terminal is ready', marginal: 'PASS WITH WARNINGS: see the lines marked !', fail: 'FAIL: fix the lines marked ✗ and run again' },
} as const;

export type Lang = 'vi' | 'en';

export function resultLine(result: CheckResult, check: Pick<Check, 'title' | 'titleVi'> | undefined, lang: Lang): string {
  const title = check ? (lang === 'vi' ? check.titleVi : check.title) : result.id;
  const hint = lang === 'vi' ? result.hintVi : result.hint;
  const head = `${MARK[result.status]} ${title} [${result.id}]${measuredText(result)}`;
  return hint && result.status !== 'pass' ? `${head}\n    → ${hint}` : head;
}

export function summaryText(results: readonly CheckResult[], checks: readonly Pick<Check, 'id' | 'title' | 'titleVi'>[], status: 'pass' | 'marginal' | 'fail', lang: Lang): string {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const lines = results.map((r) => resultLine(r, byId.get(r.id), lang));
  return `${lines.join('\n')}\n${overallLine(status, lang)}`;
}

export function overallLine(status: 'pass' | 'marginal' | 'fail', lang: Lang): string {
  return `\n${lang === 'vi' ? 'Kết quả' : 'Result'}: ${OVERALL[lang][status]}\n`;
}

function measuredText(result: CheckResult): string {
  const m = result.measured;
  const pick = ['version', 'freeMiB', 'daysLeft', 'anchors', 'skewMs', 'pubackMs', 'reader', 'verdict', 'fps', 'faces', 'entries'].filter((k) => m[k] !== undefined);
  return pick.length ? ` (${pick.map((k) => `${k}=${String(m[k])}`).join(', ')})` : '';
}
