// Site settings written from a flow: only the writable fields, the site schema's validation with the
// field's name, and the site file rewritten so the next start reads the same.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { parseConfig } from '../config/load.ts';
import { applySiteChanges } from './node-red-site.ts';

function refusal(run: () => unknown): { code: string; field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (isXacminhError(error)) return { code: error.code, field: error.evidence.field, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

test('a bad value is refused with the field’s name, and privacy cannot be changed from a flow', () => {
  const config = parseConfig({});
  const badUrl = refusal(() => applySiteChanges(config, { webhookUrl: 'ftp://shop.example/hook' }));
  assert.is(badUrl.field, 'nodeRed.webhookUrl');
  assert.match(badUrl.message, /^nodeRed\.webhookUrl: giá trị không hợp lệ/);
  assert.is(refusal(() => applySiteChanges(config, { closingTime: '24:00' })).field, 'nodeRed.closingTime');
  const privacy = refusal(() => applySiteChanges(config, { privacy: 'masked-id-and-name' }));
  assert.is(privacy.field, 'nodeRed.privacy');
  assert.is(privacy.code, 'INVALID_INPUT');
});

test('a good change is returned for the agent to apply and written to the site file, other fields kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-node-red-site-'));
  try {
    const path = join(dir, 'site.json');
    writeFileSync(path, JSON.stringify({ siteId: 'shop-1', nodeRed: { enabled: true, privacy: 'masked-id' } }), { mode: 0o640 });
    const config = parseConfig(JSON.parse(readFileSync(path, 'utf8')));
    const next = applySiteChanges(config, { webhookUrl: 'https://pos.shop.example/xacminh', openingTime: '07:30' }, path);
    assert.is(next.nodeRed.webhookUrl, 'https://pos.shop.example/xacminh');
    assert.is(next.nodeRed.openingTime, '07:30');
    assert.is(next.nodeRed.privacy, 'masked-id');
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(saved, { siteId: 'shop-1', nodeRed: { enabled: true, privacy: 'masked-id', webhookUrl: 'https://pos.shop.example/xacminh', openingTime: '07:30' } });
    assert.is(parseConfig(saved).nodeRed.openingTime, '07:30');
    assert.is((statSync(path).mode & 0o777).toString(8), '640', 'the file keeps its permissions');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
