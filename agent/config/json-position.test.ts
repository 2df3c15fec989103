// The syntax-error locator agrees with JSON.parse on what is valid and points at the first wrong character.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonErrorPosition } from './json-position.ts';

test('valid JSON has no error position', () => {
  for (const text of ['{}', ' [1, 2.5e3, -0, "a\\u00e9\\n", true, false, null, {"a": {}}] \n', '"x"', '{"é": "ok"}']) {
    JSON.parse(text); // the fixture itself is valid
    assert.is(jsonErrorPosition(text), null, text);
  }
});

test('the first character that cannot belong there, as line and column', () => {
  const cases: [text: string, line: number, column: number][] = [
    ['{ "siteId": ', 1, 13], // ends too early: the end of the text
    ['{\n  "a": 1,\n  "b": 2,\n}\n', 4, 1], // trailing comma
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3], // missing comma
    ['{"a": tru}', 1, 10],
    ['[01]', 1, 3],
    ['"\t"', 1, 2], // raw control character in a string
    ['{"a": 1} x', 1, 10],
    ['{\r\n  \'a\': 1\r\n}', 2, 3], // single quotes
    ['', 1, 1],
  ];
  for (const [text, line, column] of cases) {
    assert.throws(() => JSON.parse(text));
    const at = jsonErrorPosition(text);
    assert.equal(at && [at.line, at.column], [line, column], JSON.stringify(text));
  }
});

test('nesting too deep to scan is not a crash', () => {
  assert.is(jsonErrorPosition('['.repeat(1_000_000)), null);
});

test.run();
