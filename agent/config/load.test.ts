import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { configErrorLines, loadConfigFile, parseConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'xacminh-config-'));

test('no file: the embedded demo defaults', async () => {
  const { config, fromFile } = await loadConfigFile(join(dir, 'absent.json'));
  assert.is(fromFile, false);
  assert.equal(config.reader, { kind: 'simulated', everySeconds: 6 });
  assert.equal(config.mqtt, { kind: 'embedded', port: 0 });
  assert.is(config.face.required, true);
  assert.is(config.timeouts.faceMs, 10_000);
});

test('a site file says only what differs', () => {
  const config = parseConfig({ siteId: 'hanoi-01', mqtt: { kind: 'broker', url: 'mqtts://broker.example:8883', certFile: 'identity/cert.pem' } });
  assert.is(config.siteId, 'hanoi-01');
  assert.is(config.deviceId, 'demo-terminal');
  assert.equal(config.mqtt, { kind: 'broker', url: 'mqtts://broker.example:8883', certFile: 'identity/cert.pem', protocolVersion: 5 });
});

test('every wrong field is named in one error', () => {
  try {
    parseConfig({ siteId: 'a/b', mqtt: { kind: 'broker', url: 'http://x' }, timeouts: { faceMs: 5 }, colour: 'red' });
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'));
    for (const field of ['siteId', 'mqtt.url', 'timeouts.faceMs', 'colour']) assert.match(error.message, field);
  }
});

test('malformed JSON is an error, not a silent default', async () => {
  const path = join(dir, 'bad.json');
  writeFileSync(path, '{ "siteId": ');
  await assertRejectsCode(loadConfigFile(path), 'CONFIG_INVALID');
});

/** The CONFIG_INVALID a config throws, with its Vietnamese lines. */
function rejection(input: unknown, source = 'site.json'): { message: string; linesVi: string[] } {
  try {
    parseConfig(input, source);
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
    return { message: error.message, linesVi: error.evidence.linesVi as string[] };
  }
  throw new Error('the config was accepted');
}

test('a misspelt key is refused at every level, each named by its own path', () => {
  const cases: [input: Record<string, unknown>, path: string][] = [
    [{ ui: { prot: 8081 } }, 'ui.prot'],
    [{ mqtt: { kind: 'broker', url: 'mqtts://broker.example:8883', pasword: 'x' } }, 'mqtt.pasword'],
    [{ mqtt: { kind: 'embedded', prot: 1883 } }, 'mqtt.prot'],
    [{ reader: { kind: 'pcsc', nmae: 'ACS' } }, 'reader.nmae'],
    [{ camera: { kind: 'v4l2', devcie: '/dev/video2' } }, 'camera.devcie'],
    [{ face: { requred: false } }, 'face.requred'],
    [{ timeouts: { faceMS: 20_000 } }, 'timeouts.faceMS'],
    [{ indicators: { pins: { gren: 17 } } }, 'indicators.pins.gren'],
    [{ indicators: { activelow: true } }, 'indicators.activelow'],
    [{ scanner: { path: '/dev/ttyACM0', baud: 115200 } }, 'scanner.baud'],
  ];
  for (const [input, path] of cases) {
    const { message, linesVi } = rejection(input);
    assert.equal(linesVi, [`Cấu hình site.json không hợp lệ: ${path} — trường không được phép (sai tên?)`], path);
    assert.match(message, `${path}: unknown field`);
  }
});

test('one Vietnamese line per problem, each with its specific cause', () => {
  const { linesVi } = rejection({ ui: { prot: 8081, port: 70000 }, mqtt: { kind: 'brokr' }, scanner: { baudRate: 'fast' }, timeouts: { faceMs: 5 }, camera: { kind: 'http', url: 'no' } });
  const causes = Object.fromEntries(linesVi.map((line) => /^Cấu hình site\.json không hợp lệ: (\S+) — (.+)$/.exec(line)!.slice(1, 3) as [string, string]));
  assert.equal(causes, {
    'ui.prot': 'trường không được phép (sai tên?)',
    'ui.port': 'quá lớn: tối đa 65535',
    'mqtt.kind': 'giá trị không được phép; chỉ được: "embedded", "broker"',
    'scanner.path': 'thiếu trường bắt buộc',
    'scanner.baudRate': 'sai kiểu: cần số',
    'timeouts.faceMs': 'quá nhỏ: tối thiểu 1000',
    'camera.url': 'không phải địa chỉ URL hợp lệ',
  });
});

test('a syntax error says on which line and column, in Vietnamese first', async () => {
  const path = join(dir, 'comma.json');
  writeFileSync(path, '{\n  "siteId": "hanoi-01",\n  "ui": { "port": 8081 }\n  "face": { "required": false }\n}\n');
  const error = await assertRejectsCode(loadConfigFile(path), 'CONFIG_INVALID');
  assert.equal([error.evidence.line, error.evidence.column], [4, 3]);
  assert.match(error.message, `${path} is not valid JSON at line 4, column 3`);
  assert.equal(error.evidence.linesVi, [`Cấu hình ${path} không hợp lệ: lỗi cú pháp JSON ở dòng 4, cột 3 (thiếu hoặc thừa dấu phẩy, ngoặc, dấu nháy?)`]);
  assert.equal(configErrorLines(error), [...(error.evidence.linesVi as string[]), `xacminh: ${error.message} [CONFIG_INVALID]`]);
});

test('a file saved with a byte-order mark is read', async () => {
  const path = join(dir, 'bom.json');
  writeFileSync(path, '\uFEFF{ "siteId": "hue-02" }');
  assert.is((await loadConfigFile(path)).config.siteId, 'hue-02');
});

test.run();
