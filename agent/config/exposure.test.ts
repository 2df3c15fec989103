// What the site config refuses because it would open the terminal to the network: the kiosk beyond
// loopback without an operator token, and a remote broker without TLS unless the site says so explicitly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { parseConfig } from './load.ts';
import { isLoopbackHost } from './loopback.ts';

const TOKEN = 'a-long-operator-token';

function refusal(input: Record<string, unknown>): { message: string; linesVi: string[] } {
  try {
    parseConfig(input, 'site.json');
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
    return { message: error.message, linesVi: error.evidence.linesVi as string[] };
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

test('loopback is 127.0.0.0/8, ::1 and localhost; anything else, names included, is remote', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LocalHost', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(host), host);
  for (const host of ['0.0.0.0', '::', '', '192.168.1.20', '128.0.0.1', 'kiosk.local', 'localhost.example']) assert.not.ok(isLoopbackHost(host), host);
});

test('ui.host beyond loopback needs ui.operatorToken', () => {
  for (const host of ['0.0.0.0', '192.168.1.20', '::', 'kiosk.local']) {
    const { message, linesVi } = refusal({ ui: { host } });
    assert.match(message, `ui.operatorToken: ui.host ${host} is reachable beyond this machine: set ui.operatorToken`);
    assert.equal(linesVi, [`Cấu hình site.json không hợp lệ: ui.operatorToken — ui.host ${host} mở trang ra ngoài máy này nên phải đặt ui.operatorToken (ít nhất 16 ký tự), hoặc để ui.host là 127.0.0.1`]);
  }
  assert.is(parseConfig({ ui: { host: '0.0.0.0', operatorToken: TOKEN } }).ui.operatorToken, TOKEN);
  assert.is(parseConfig({ ui: { host: '0.0.0.0', enabled: false } }).ui.enabled, false); // no server, nothing exposed
  for (const host of ['127.0.0.1', 'localhost', '::1']) assert.is(parseConfig({ ui: { host } }).ui.host, host);
});

test('ui.operatorToken is 16+ printable ASCII characters without spaces: a Bearer header cannot carry a space', () => {
  for (const operatorToken of ['has a space in it ok', 'tab\tinside-the-token', 'trailing-space-token ', 'mật-khẩu-của-cửa-hàng', 'fifteen-chars-x']) {
    const { message, linesVi } = refusal({ ui: { host: '0.0.0.0', operatorToken } });
    assert.match(message, 'ui.operatorToken: at least 16 printable ASCII characters, no spaces', operatorToken);
    assert.equal(linesVi, ['Cấu hình site.json không hợp lệ: ui.operatorToken — cần ít nhất 16 ký tự ASCII in được, không có dấu cách (chữ, số, dấu câu)']);
  }
  for (const operatorToken of [TOKEN, '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~']) assert.is(parseConfig({ ui: { host: '0.0.0.0', operatorToken } }).ui.operatorToken, operatorToken);
});

test('a broker off this machine needs TLS unless mqtt.allowInsecureTransport is true', () => {
  for (const url of ['mqtt://broker.example:1883', 'tcp://10.0.0.5:1883', 'ws://broker.example/mqtt', 'mqtt://[2001:db8::1]:1883']) {
    const { message, linesVi } = refusal({ mqtt: { kind: 'broker', url } });
    assert.match(message, 'mqtt.url: ');
    assert.match(message, 'set mqtt.allowInsecureTransport: true (dangerous)');
    assert.is(linesVi.length, 1);
    assert.match(linesVi[0]!, /^Cấu hình site\.json không hợp lệ: mqtt\.url — .+ gửi mật khẩu và lệnh không mã hóa/);
    const allowed = parseConfig({ mqtt: { kind: 'broker', url, allowInsecureTransport: true } }).mqtt;
    assert.is(allowed.kind === 'broker' && allowed.allowInsecureTransport, true);
    refusal({ mqtt: { kind: 'broker', url, allowInsecureTransport: false } });
  }
  for (const url of ['mqtts://broker.example:8883', 'tls://10.0.0.5:8883', 'wss://broker.example/mqtt', 'mqtt://127.0.0.1:1883', 'mqtt://localhost:1883', 'ws://[::1]:9001']) {
    assert.is(parseConfig({ mqtt: { kind: 'broker', url } }).mqtt.kind, 'broker', url);
  }
});

test('a client certificate with a plain URL is refused at config (mqtt.js would throw at every connect)', () => {
  for (const url of ['mqtt://127.0.0.1:1883', 'tcp://localhost:1883', 'ws://[::1]:9001']) {
    const { message, linesVi } = refusal({ mqtt: { kind: 'broker', url, certFile: 'identity/device.crt', keyFile: 'identity/device-key.pem' } });
    assert.match(message, 'a client certificate (certFile/keyFile) needs a TLS URL');
    assert.match(linesVi[0]!, /chứng thư máy khách \(certFile\/keyFile\) cần URL TLS/);
  }
  assert.is(parseConfig({ mqtt: { kind: 'broker', url: 'tls://127.0.0.1:8883', certFile: 'c.pem', keyFile: 'k.pem' } }).mqtt.kind, 'broker');
});

test.run();
