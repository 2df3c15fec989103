import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertThrowsCode } from './lds/test-util.ts';
import { fileByDg, fileByName, fileByTag, LDS_FILES } from './files.ts';

test('one row per file: EF.CardAccess, EF.COM, EF.SOD and DG1–DG16, no identifier used twice', () => {
  assert.is(LDS_FILES.length, 19);
  for (const key of ['name', 'fid', 'sfi', 'tag'] as const) {
    assert.is(new Set(LDS_FILES.map((f) => f[key])).size, LDS_FILES.length, `duplicate ${key}`);
  }
  assert.equal(
    LDS_FILES.filter((f) => f.dg !== undefined).map((f) => f.dg),
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
});

test('the identifiers of ICAO 9303-10 §3.6', () => {
  const pick = (name: string) => {
    const f = fileByName(name);
    return [f.fid, f.sfi, f.tag, f.application];
  };
  assert.equal(pick('EF.CardAccess'), [0x011c, 0x1c, 0x31, 'MF']);
  assert.equal(pick('EF.COM'), [0x011e, 0x1e, 0x60, 'eMRTD']);
  assert.equal(pick('EF.SOD'), [0x011d, 0x1d, 0x77, 'eMRTD']);
  assert.equal(pick('DG1'), [0x0101, 0x01, 0x61, 'eMRTD']);
  assert.equal(pick('DG2'), [0x0102, 0x02, 0x75, 'eMRTD']);
  assert.equal(pick('DG3'), [0x0103, 0x03, 0x63, 'eMRTD']);
  assert.equal(pick('DG4'), [0x0104, 0x04, 0x76, 'eMRTD']);
  assert.equal(pick('DG13'), [0x010d, 0x0d, 0x6d, 'eMRTD']);
  assert.equal(pick('DG14'), [0x010e, 0x0e, 0x6e, 'eMRTD']);
  assert.equal(pick('DG15'), [0x010f, 0x0f, 0x6f, 'eMRTD']);
  assert.equal(pick('DG16'), [0x0110, 0x10, 0x70, 'eMRTD']);
});

test('lookups by name, tag and data-group number agree', () => {
  for (const f of LDS_FILES) {
    assert.is(fileByName(f.name), f);
    assert.is(fileByTag(f.tag), f);
    if (f.dg !== undefined) assert.is(fileByDg(f.dg), f);
  }
  assert.is(fileByTag(0x75).name, 'DG2');
  assert.is(fileByDg(13).tag, 0x6d);
});

test('unknown files are typed errors', () => {
  assertThrowsCode(() => fileByName('DG17'));
  assertThrowsCode(() => fileByTag(0x99));
  assertThrowsCode(() => fileByDg(0));
});

test.run();
