// The runner folds results into one status and an exit code, and a check that throws or hangs is a fail
// with its reason, never a crashed run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XacminhError } from '../drivers/errors.ts';
import { exitCodeFor, overallStatus, runChecks } from './runner.ts';
import { testContext, testDataDir } from './test-support.ts';
import type { Check, CheckResult, CheckStatus } from './types.ts';

const returns = (id: string, status: CheckStatus): Check => ({ id, title: id, titleVi: id, run: async () => ({ status, measured: { n: 1 } }) });
const result = (status: CheckStatus): CheckResult => ({ id: status, status, measured: {}, limits: {}, durationMs: 0, hint: null, hintVi: null });

test('overall status and exit code: fail wins, then marginal; skips do not count against a pass', () => {
  const cases: [CheckStatus[], string, number][] = [
    [['pass', 'skip', 'pass'], 'pass', 0],
    [['skip'], 'pass', 0],
    [['pass', 'marginal', 'skip'], 'marginal', 3],
    [['marginal', 'fail', 'pass'], 'fail', 1],
  ];
  for (const [statuses, status, code] of cases) {
    const overall = overallStatus(statuses.map(result));
    assert.equal([overall, exitCodeFor(overall)], [status, code], statuses.join(','));
  }
});

test('a check that throws is a fail carrying its error code; one that hangs is a fail after its timeout; the run goes on', async () => {
  const data = testDataDir();
  try {
    const throwing: Check = { id: 'x.throws', title: 'throws', titleVi: 'lỗi', run: async () => { throw new XacminhError('NO_READER', 'reader gone', {}); } };
    let aborted = false;
    const hanging: Check = {
      id: 'x.hangs',
      title: 'hangs',
      titleVi: 'treo',
      timeoutMs: 50,
      run: (_ctx, signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))),
    };
    const results = await runChecks([throwing, hanging, returns('x.after', 'pass')], testContext(data));
    assert.equal(results.map((r) => [r.id, r.status, r.measured.error]), [['x.throws', 'fail', 'NO_READER'], ['x.hangs', 'fail', 'TIMEOUT'], ['x.after', 'pass', undefined]]);
    assert.match(results[0]!.hint!, /reader gone/);
    assert.match(results[1]!.hint!, /no answer within/);
    assert.ok(aborted, 'the hanging check was told to stop');
  } finally {
    data.remove();
  }
});

test('stopped (Ctrl-C): the check under way fails as CANCELLED, the rest are skipped as stopped', async () => {
  const data = testDataDir();
  try {
    const stop = new AbortController();
    const waiting: Check = { id: 'x.asks', title: 'asks', titleVi: 'hỏi', run: (_ctx, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('The operation was aborted')))) };
    const pending = runChecks([waiting, returns('x.next', 'pass')], testContext(data), { signal: stop.signal });
    setImmediate(() => stop.abort());
    const results = await pending;
    assert.equal(results.map((r) => [r.id, r.status, r.measured.error]), [['x.asks', 'fail', 'CANCELLED'], ['x.next', 'skip', undefined]]);
    assert.is(results[1]!.hint, 'the self-test was stopped');
  } finally {
    data.remove();
  }
});

test('only: runs just the matching checks', async () => {
  const data = testDataDir();
  try {
    const results = await runChecks([returns('a.one', 'pass'), returns('b.two', 'fail')], testContext(data), { only: (id) => id.startsWith('a.') });
    assert.equal(results.map((r) => r.id), ['a.one']);
  } finally {
    data.remove();
  }
});

test.run();
