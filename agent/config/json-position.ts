/**
 * Where a JSON text stops being JSON, as line and column. JSON.parse's message is no help: Node 20 says
 * "at position N", Node 22 adds "(line L column C)" and some messages carry no position at all. So a small
 * scanner walks the grammar (RFC 8259) and stops at the first character that cannot belong there.
 */

export interface JsonPosition {
  /** 0-based offset in the text (the text's length when it ends too early). */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like an editor's column on ordinary text. */
  column: number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: the scanner must see them
const STRING_CHAR = /[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4}/y;
const WHITESPACE = /[ \t\n\r]*/y;

class SyntaxStop {
  constructor(readonly offset: number) {}
}

/** The position of the first syntax error, or null when the text is valid JSON (or nested too deep to scan). */
export function jsonErrorPosition(text: string): JsonPosition | null {
  let at = 0;
  const fail = (): never => {
    throw new SyntaxStop(at);
  };
  const match = (re: RegExp): boolean => {
    re.lastIndex = at;
    if (!re.test(text)) return false;
    at = re.lastIndex;
    return true;
  };
  const space = () => void match(WHITESPACE);
  const expect = (char: string) => (text[at] === char ? at++ : fail());
  const literal = (word: string) => {
    for (const char of word) expect(char);
  };

  const string = () => {
    expect('"');
    while (text[at] !== '"') if (!match(STRING_CHAR)) fail();
    at++;
  };
  const list = (close: string, item: () => void) => {
    at++;
    space();
    if (text[at] === close) return void at++;
    for (;;) {
      item();
      space();
      if (text[at] === close) return void at++;
      expect(',');
      space();
    }
  };
  const value = (): void => {
    const char = text[at];
    if (char === '{') return list('}', member);
    if (char === '[') return list(']', () => (space(), value()));
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (!match(NUMBER)) fail();
  };
  const member = () => {
    string();
    space();
    expect(':');
    space();
    value();
  };

  try {
    space();
    value();
    space();
    if (at < text.length) fail();
    return null;
  } catch (stop) {
    // Anything else is a nesting too deep for the stack: the caller still has the parser's own message.
    return stop instanceof SyntaxStop ? lineAndColumn(text, stop.offset) : null;
  }
}

export function lineAndColumn(text: string, offset: number): JsonPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { offset, line: before.split('\n').length, column: offset - lineStart + 1 };
}
