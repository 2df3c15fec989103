/**
 * How a command's error reaches the user: the specific Vietnamese cause first when the error carries one (most
 * CLI errors are written "Vietnamese cause. (English detail)"); the generic line for its code only when the
 * message is English alone — a missing register.db must not read "bộ nhớ đầy hoặc hỏng".
 */
import { isXacminhError } from '../../drivers/errors.ts';
import { OPERATOR_MESSAGES } from '../labels.ts';

/** Letters only Vietnamese (of the languages this terminal meets) writes: the message speaks Vietnamese. */
const VIETNAMESE = /[ảãạăằắẳẵặâầấẩẫậđẻẽẹêềếểễệỉĩịỏõọôồốổỗộơờớởỡợủũụưừứửữựỳỷỹỵ]/iu;

export function hasVietnamese(text: string): boolean {
  return VIETNAMESE.test(text);
}

/** The text for stderr and the exit status: 2 bad input, 1 any other error. */
export function formatCliError(error: unknown): { text: string; exitCode: number } {
  if (!isXacminhError(error)) {
    return { text: `Lỗi không mong muốn (unexpected error): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`, exitCode: 1 };
  }
  const generic = OPERATOR_MESSAGES[error.code];
  const text =
    hasVietnamese(error.message) || !generic
      ? `Lỗi: ${error.message} [${error.code}]\n`
      : `Lỗi: ${generic}\n  ${error.message} [${error.code}]\n`;
  return { text, exitCode: error.code === 'INVALID_INPUT' ? 2 : 1 };
}
