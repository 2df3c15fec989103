// A run whose report cannot be kept (the disk is the fault) still gives its result, signed, with why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compactVerify } from 'jose';
import { runSelfTest } from './self-test.ts';
import { testContext, testDataDir } from './test-support.ts';
import type { Check } from './types.ts';

const ok: Check = { id: 'x.ok', title: 'ok', titleVi: 'ổn', run: async () => ({ status: 'pass' }) };

test('the report folder cannot be written: the run still returns its signed report, file null and the reason', async () => {
  const data = testDataDir();
  try {
    mkdirSync(data.paths.root, { recursive: true });
    writeFileSync(data.paths.selfTests, 'a file where the folder should be');
    const run = await runSelfTest(testContext(data), data.identity, { checks: [ok] });
    assert.equal([run.file, run.exitCode, run.report.status], [null, 0, 'pass']);
    assert.ok(run.storeError && run.storeError.length > 0);
    const { payload } = await compactVerify(run.jws, data.identity.publicKey);
    assert.is(JSON.parse(new TextDecoder().decode(payload)).id, run.report.id);
  } finally {
    data.remove();
  }
});

test.run();
