// Answers piped before the question are not lost, the end of input answers '' (never a hang), and a
// cancelled question rejects and does not swallow the next line.
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lineAsk } from './line-ask.ts';

const q = { vi: 'Có thấy đèn xanh không? (c/k)', en: 'Did the green LED light? (y/n)' };

test('lines piped before and after the questions are the answers in order; prompts in the chosen language', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const prompts: string[] = [];
  output.on('data', (chunk: Buffer) => prompts.push(chunk.toString('utf8')));
  const asker = lineAsk(input, output, 'vi');
  input.write('c\n k \n');
  await new Promise((r) => setImmediate(r));
  const signal = new AbortController().signal;
  assert.is(await asker.ask(q, signal), 'c');
  assert.is(await asker.ask(q, signal), 'k');
  const third = asker.ask(q, signal);
  input.write('y\n');
  assert.is(await third, 'y');
  assert.is(prompts.join(''), `${q.vi} \n`.repeat(3), 'each prompt ends its line once answered (piped input is not echoed)');
  const pending = asker.ask(q, signal);
  input.end();
  assert.is(await pending, '', 'the end of input answers the waiting question');
  assert.is(await asker.ask(q, signal), '', 'and every later one');
  asker.close();
});

test('a cancelled question rejects, and the next line goes to the next question', async () => {
  const input = new PassThrough();
  const asker = lineAsk(input, new PassThrough(), 'en');
  const stop = new AbortController();
  const cancelled = asker.ask(q, stop.signal);
  stop.abort(new Error('stopped'));
  try {
    await cancelled;
    assert.unreachable('should reject');
  } catch (error) {
    assert.is((error as Error).message, 'stopped');
  }
  const next = asker.ask(q, new AbortController().signal);
  input.write('n\n');
  assert.is(await next, 'n');
  asker.close();
});

test.run();
