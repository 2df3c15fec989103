// The broker URL is parsed once: the TLS check judges that host, and mqtt.js is given that same host.
// URLs two parsers could read differently are refused; for the rest, the legacy url.parse (what mqtt.js
// would use on a URL string) and the ws library's WHATWG parse agree with ours.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIP } from 'node:net';
import { parse as legacyParse } from 'node:url';
import { isXacminhError } from '../../drivers/errors.ts';
import { parseBrokerUrl } from './broker-url.ts';
import { parseConfig } from './load.ts';

function refusalOf(url: string): string {
  try {
    parseConfig({ mqtt: { kind: 'broker', url } }, 'site.json');
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
    return error.message;
  }
  throw new Error(`accepted: ${url}`);
}

const refused: Array<[string, RegExp]> = [
  ['mqtt://broker.example.com\\@127.0.0.1:1883', /backslash/], // legacy: broker.example.com, WHATWG: 127.0.0.1
  ['mqtts://broker.example.com\\@127.0.0.1:8883', /backslash/],
  ['mqtt://user:pw@127.0.0.1:1883', /user name or password/],
  ['mqtt://@127.0.0.1:1883', /user name or password/],
  ['mqtts://user@broker.example:8883', /user name or password/],
  ['mqtt://127.0.0.1 :1883', /space/],
  ['mqtt://127.0.0.1\t:1883', /control/], // WHATWG silently drops the tab
  ['mqtt://127.0.0.1\n:1883', /control/],
  [' mqtt://127.0.0.1:1883', /space/],
  ['mqtt://127.0.0.1:1883\u0000', /control/],
  ['mqtt://lоcalhost:1883', /non-ASCII/], // Cyrillic о
  ['mqtt://%31%32%37.0.0.1:1883', /percent escape/], // legacy: empty host, WHATWG keeps the escapes
  ['mqtt://localhost%2e:1883', /percent escape/], // legacy: localhost
  ['mqtt://[::1%25lo]:1883', /percent escape/],
  ['mqtt://127.0.0.1:99999', /does not parse/],
  ['mqtt://a!b.example:1883', /no usable host/],
  ['mqtt://[zz::1]:1883', /does not parse|no usable host/],
  ['mqtt://:1883', /does not parse|no usable host/],
  ['mqtt://broker.example:0', /port 0/], // mqtt.js would connect to 1883 instead
  ['mqtts://-:8883', /no usable host/],
  ['mqtts://a..b:8883', /no usable host/],
  ['mqtts://.:8883', /does not parse|no usable host/],
];

test('URLs that two parsers could read differently are refused, with what to do, whatever the scheme', () => {
  for (const [url, reason] of refused) {
    const result = parseBrokerUrl(url);
    assert.is(result.ok, false, JSON.stringify(url));
    const message = refusalOf(url);
    assert.match(message, 'mqtt.url: this URL ', JSON.stringify(url));
    assert.match(message, reason, JSON.stringify(url));
    assert.not.match(message, 'pw@', 'the password is not echoed');
  }
});

// [url, host we connect to, loopback (plain transport allowed)]
const accepted: Array<[string, string, boolean]> = [
  ['mqtt://127.0.0.1:1883', '127.0.0.1', true],
  ['mqtt://[::1]:1883', '::1', true],
  ['mqtt://LOCALHOST:1883', 'localhost', true],
  ['ws://[::1]:9001/mqtt', '::1', true],
  ['mqtt://127.1:1883', '127.1', false], // not an address node:net knows: judged remote (refused in clear), never guessed
  ['mqtt://localhost.:1883', 'localhost.', false], // a DNS name, may resolve anywhere
  ['mqtt://127.0.0.1.:1883', '127.0.0.1.', false],
  ['mqtt://Broker.Example:1883', 'broker.example', false],
  ['mqtt://evil.example?@127.0.0.1', 'evil.example', false],
  ['mqtt://evil.example#@127.0.0.1', 'evil.example', false],
  ['mqtt://evil.example/@127.0.0.1', 'evil.example', false],
  ['mqtt://[::ffff:127.0.0.1]:1883', '::ffff:7f00:1', true], // the same address as legacy's ::ffff:127.0.0.1
];

/** One spelling per IPv6 address (::ffff:127.0.0.1 is ::ffff:7f00:1), names in lower case. */
function canonical(host: string): string {
  return isIP(host) === 6 ? new URL(`http://[${host}]`).hostname.slice(1, -1) : host.toLowerCase();
}

test('the host checked is the host connected to, and the legacy parser reads the same host', () => {
  for (const [url, host, loopback] of accepted) {
    const result = parseBrokerUrl(url);
    assert.ok(result.ok, url);
    if (!result.ok) continue;
    assert.is(result.target.host, host, url);
    if (!url.startsWith('ws')) assert.is(canonical(legacyParse(url).hostname ?? ''), host, `legacy url.parse of ${url}`);
    if (loopback) assert.is(parseConfig({ mqtt: { kind: 'broker', url } }).mqtt.kind, 'broker', url);
    else assert.match(refusalOf(url), `to ${host} sends credentials and commands in clear`, url);
  }
});

test('port and WebSocket path come from the same parse; TCP URLs carry no path', () => {
  assert.equal(parseBrokerUrl('mqtts://broker.example:8883'), { ok: true, target: { protocol: 'mqtts', host: 'broker.example', port: 8883, path: '' } });
  assert.equal(parseBrokerUrl('tls://10.0.0.5'), { ok: true, target: { protocol: 'tls', host: '10.0.0.5', path: '' } });
  assert.equal(parseBrokerUrl('wss://Broker.Example/mqtt?x=1'), { ok: true, target: { protocol: 'wss', host: 'broker.example', path: '/mqtt?x=1' } });
  assert.equal(parseBrokerUrl('ws://127.1:9001'), { ok: true, target: { protocol: 'ws', host: '127.0.0.1', port: 9001, path: '/' } }); // WHATWG's ws: host rules, as the ws library reads it
});

test.run();
