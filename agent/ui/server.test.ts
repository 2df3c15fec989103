// The UI server over real HTTP: routes, headers, the operator API's answers, and the event stream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { XacminhError } from '../../drivers/errors.ts';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { STATE_MESSAGES } from '../session/messages.ts';
import { sampleRecord } from './fake-session.ts';
import { startUiServer } from './server.ts';
import { MAX_SSE_CLIENTS } from './sse.ts';
import { lanAddress, openEvents, until, withServer } from './test-helpers.ts';
import { STATE_TEXT } from './public/strings.js';

const json = { 'Content-Type': 'application/json' };
const post = (url: string, body: unknown, headers: Record<string, string> = json) =>
  fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('pages and scripts are served with a strict CSP and no inline script; anything else is 404', async () => {
  await withServer({}, async ({ url }) => {
    for (const [path, type] of [['/', 'text/html'], ['/operator', 'text/html'], ['/kiosk.js', 'text/javascript'], ['/operator.js', 'text/javascript'], ['/strings.js', 'text/javascript'], ['/style.css', 'text/css']]) {
      const res = await fetch(url + path!);
      assert.is(res.status, 200, path);
      assert.ok(res.headers.get('content-type')!.startsWith(type!), `${path}: ${res.headers.get('content-type')}`);
      assert.match(res.headers.get('content-security-policy')!, "default-src 'self'");
      assert.is(res.headers.get('x-content-type-options'), 'nosniff');
      const text = await res.text();
      if (type === 'text/html') {
        assert.not.match(text, /<script(?![^>]*\bsrc=)[^>]*>/, `${path} has an inline script`);
        assert.not.match(text, /\sstyle=|<style|\son[a-z]+=/, `${path} has inline style or handler`);
        assert.match(text, '<html lang="vi">');
      }
    }
    for (const path of ['/nope', '/../package.json', '/%2e%2e/server.ts', '/public/kiosk.html', '/fake-session.ts']) {
      assert.is((await fetch(url + path)).status, 404, path);
    }
    assert.is((await post(`${url}/`, {})).status, 405);
    assert.is((await fetch(`${url}/api/cancel`)).status, 405);
  });
});

test('healthz reports the session state', async () => {
  await withServer({}, async ({ url }, fake) => {
    assert.equal(await (await fetch(`${url}/healthz`)).json(), { ok: true, state: 'idle', clients: 0 });
    fake.emit({ state: 'reading-chip', progress: 0.5 });
    assert.is(((await (await fetch(`${url}/healthz`)).json()) as { state: string }).state, 'reading-chip');
  });
});

test('access key: a valid ID reaches the session (spaces removed); a bad one is refused with Vietnamese text before it', async () => {
  await withServer({}, async ({ url }, fake) => {
    const ok = await post(`${url}/api/access-key`, { text: ' 0790 9000 1234 ' });
    assert.is(ok.status, 200);
    assert.equal(fake.calls, [{ method: 'submitAccessKey', text: '079090001234' }]);

    for (const [text, vi] of [['07909000123', 'đúng 12 chữ số'], ['hello', 'Không nhận ra'], ['', 'Hãy nhập'], ['1'.repeat(600) + '|', 'quá dài']]) {
      const res = await post(`${url}/api/access-key`, { text });
      assert.is(res.status, 400, text);
      const body = (await res.json()) as { code: string; messageVi: string };
      assert.is(body.code, 'INVALID_INPUT');
      assert.ok(body.messageVi.includes(vi!), body.messageVi);
    }
    assert.is(fake.calls.length, 1, 'the session never saw the bad input');

    const qr = '079090001234|123456789|Nguyễn Văn A|01011990|Nam|Hà Nội|01042021';
    assert.is((await post(`${url}/api/access-key`, { text: qr })).status, 200);
    assert.equal(fake.calls[1], { method: 'submitAccessKey', text: qr });
  });
});

test("the session's own errors map to 400 / 409 / 500 and the server keeps serving", async () => {
  await withServer({}, async ({ url }, fake) => {
    fake.failNext = new XacminhError('INVALID_INPUT', 'This QR code is not a CCCD QR code');
    let res = await post(`${url}/api/access-key`, { text: 'a|b' });
    assert.is(res.status, 400);
    assert.equal(await res.json(), { code: 'INVALID_INPUT', message: 'This QR code is not a CCCD QR code', messageVi: 'Số định danh, mã QR hoặc MRZ không đúng — kiểm tra và nhập lại' });

    fake.busy = true;
    res = await post(`${url}/api/access-key`, { text: '079090001234' });
    assert.is(res.status, 409);
    assert.is(((await res.json()) as { code: string }).code, 'BUSY');
    fake.busy = false;

    fake.failNext = new XacminhError('STORAGE_FAILED', 'disk full');
    res = await post(`${url}/api/cancel`, {});
    assert.is(res.status, 500);
    assert.is(((await res.json()) as { code: string }).code, 'STORAGE_FAILED');

    fake.failNext = new TypeError('undefined is not a function');
    res = await post(`${url}/api/reference`, { text: 'HĐ-2024-0042' });
    assert.is(res.status, 500);
    const body = (await res.json()) as { code: string; message: string };
    assert.is(body.code, 'INTERNAL');
    assert.not.match(body.message, 'undefined is not', 'internal details stay in the log');

    assert.is((await fetch(`${url}/healthz`)).status, 200);
    assert.is((await post(`${url}/api/reference`, { text: 'HĐ-2024-0042' })).status, 200);
    assert.equal(fake.calls.at(-1), { method: 'setReference', text: 'HĐ-2024-0042' });
  });
});

test('reference and cancel: length rule, control characters, cancel reaches the session', async () => {
  await withServer({}, async ({ url }, fake) => {
    assert.is((await post(`${url}/api/reference`, { text: 'x'.repeat(65) })).status, 400);
    assert.is((await post(`${url}/api/reference`, { text: 'a\u0007b' })).status, 400);
    assert.is((await post(`${url}/api/reference`, { text: 42 })).status, 400);
    assert.is(fake.calls.length, 0);
    fake.failNext = new XacminhError('INVALID_INPUT', 'The reference must be at most 64 printable characters');
    const res = await post(`${url}/api/reference`, { text: 'P-1' });
    assert.is(res.status, 400);
    assert.match(((await res.json()) as { messageVi: string }).messageVi, 'tối đa 64 ký tự');
    fake.emit({ state: 'reading-chip', progress: 0.2 });
    assert.is((await post(`${url}/api/cancel`, {})).status, 200);
    assert.equal(fake.calls.at(-1), { method: 'cancel' });
    assert.is(fake.current().state, 'idle');
  });
});

test('415 for a body that is not JSON, 400 for broken JSON, 413 above 4 KB (declared or streamed)', async () => {
  await withServer({}, async ({ url }, fake) => {
    assert.is((await post(`${url}/api/cancel`, '{}', { 'Content-Type': 'text/plain' })).status, 415);
    assert.is((await post(`${url}/api/access-key`, 'text=079090001234', { 'Content-Type': 'application/x-www-form-urlencoded' })).status, 415);
    assert.is((await fetch(`${url}/api/cancel`, { method: 'POST' })).status, 415);
    assert.is((await post(`${url}/api/access-key`, '{"text":', json)).status, 400);
    assert.is((await post(`${url}/api/access-key`, '["079090001234"]', json)).status, 400);
    assert.is((await post(`${url}/api/access-key`, { text: '079090001234' }, { 'Content-Type': 'application/json; charset=utf-8' })).status, 200);

    const big = await post(`${url}/api/access-key`, { text: 'x'.repeat(5000) });
    assert.is(big.status, 413);
    assert.is(((await big.json()) as { code: string }).code, 'TOO_LARGE');
    // Just under the limit is read and judged on its content instead.
    assert.is((await post(`${url}/api/access-key`, { text: `${'1'.repeat(4000)}|` })).status, 400);

    // Chunked, no Content-Length: the limit applies while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${url}/api/access-key`, { method: 'POST', headers: json }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('{"text":"');
      for (let i = 0; i < 5; i++) req.write('1'.repeat(1000));
      req.end('"}');
    });
    assert.is(status, 413);
    assert.is(fake.calls.length, 1);
  });
});

test('with an operator token every POST needs the bearer header; pages and events stay open', async () => {
  await withServer({ operatorToken: 's3cret-token' }, async ({ url }, fake) => {
    const none = await post(`${url}/api/cancel`, {});
    assert.is(none.status, 401);
    assert.is(none.headers.get('www-authenticate'), 'Bearer');
    assert.is(((await none.json()) as { code: string }).code, 'UNAUTHORIZED');
    for (const header of ['Bearer wrong', 'Bearer s3cret-toke', 'Bearer s3cret-token2', 'Basic s3cret-token', 's3cret-token']) {
      assert.is((await post(`${url}/api/access-key`, { text: '079090001234' }, { ...json, Authorization: header })).status, 401, header);
    }
    assert.is(fake.calls.length, 0);

    const auth = { ...json, Authorization: 'Bearer s3cret-token' };
    assert.is((await post(`${url}/api/access-key`, { text: '079090001234' }, auth)).status, 200);
    assert.is((await post(`${url}/api/cancel`, {}, auth)).status, 200);
    assert.is(fake.calls.length, 2);
    assert.is((await fetch(`${url}/operator`)).status, 200);
    assert.is((await fetch(`${url}/healthz`)).status, 200);
    const stream = await openEvents(url);
    try {
      assert.is((await stream.nth('message', 0)).data && stream.response.status, 200);
    } finally {
      await stream.close();
    }
  });
});

test('a POST from another origin is refused', async () => {
  await withServer({}, async ({ url }, fake) => {
    assert.is((await post(`${url}/api/cancel`, {}, { ...json, Origin: 'http://evil.example' })).status, 403);
    assert.is((await post(`${url}/api/cancel`, {}, { ...json, Origin: 'null' })).status, 403);
    assert.is((await post(`${url}/api/cancel`, {}, { ...json, Origin: url })).status, 200);
    assert.equal(fake.calls, [{ method: 'cancel' }]);
  });
});

test('SSE: the current state first, then every update; results carry no personal data but the verified name', async () => {
  await withServer({}, async ({ url }, fake) => {
    fake.emit({ state: 'reading-chip', verificationId: 'v1', progress: 0.25 });
    const stream = await openEvents(url);
    try {
      assert.is(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const first = (await stream.nth('message', 0)).data as { state: string; progress: number };
      assert.is(first.state, 'reading-chip');
      assert.is(first.progress, 0.25);
      assert.equal((await stream.nth('history', 0)).data, []);

      fake.emit({ state: 'reading-chip', verificationId: 'v1', progress: 0.75 });
      fake.emit({ state: 'face', verificationId: 'v1', guidance: 'blink' });
      assert.is(((await stream.nth('message', 1)).data as { progress: number }).progress, 0.75);
      const face = (await stream.nth('message', 2)).data as { state: string; guidance: string; messageVi: string };
      assert.equal([face.state, face.guidance, face.messageVi], ['face', 'blink', STATE_MESSAGES.face]);

      const verified = sampleRecord('verified', { fullName: 'Trần Văn Bảo' });
      fake.emit({ state: 'result', record: verified });
      const history = (await stream.nth('history', 1)).data as { id: string; holderName: string }[];
      assert.equal(history.map((r) => [r.id, r.holderName]), [[verified.id, 'Trần Văn Bảo']]);
      const result = (await stream.nth('message', 3)).data as { record: Record<string, unknown> };
      assert.equal(Object.keys(result.record).sort(), ['decision', 'finishedAt', 'holderName', 'id', 'reasons']);

      const rejected = sampleRecord('rejected', { reasons: [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip', detail: 'similarity 0.21' }] });
      fake.emit({ state: 'result', record: rejected });
      fake.emit({ state: 'result', record: rejected, messageVi: 'again' }); // the same result again: one list entry
      await stream.nth('message', 5);
      const listed = (await stream.nth('history', 2)).data as { id: string; holderName: string | null; reasons: unknown[] }[];
      assert.equal(listed.map((r) => r.id), [rejected.id, verified.id]);
      assert.is(listed[0]!.holderName, null);
      assert.equal(listed[0]!.reasons, [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }]);
      assert.is(stream.events.filter((e) => e.event === 'history').length, 3);

      const everything = JSON.stringify(stream.events);
      for (const secret of ['079090001234', '1990-05-17', 'Lê Lợi', 'similarity 0.21']) assert.not.ok(everything.includes(secret), `${secret} leaked`);
    } finally {
      await stream.close();
    }
  });
});

test('SSE: heartbeat comments, late joiners get the history, closed clients are forgotten, close() ends streams', async () => {
  const { FakeSession } = await import('./fake-session.ts');
  const fake = new FakeSession();
  fake.emit({ state: 'result', record: sampleRecord('verified') }); // on screen before the server starts
  const server = await startUiServer({ actions: fake, heartbeatMs: 40 });
  let a: Awaited<ReturnType<typeof openEvents>> | undefined;
  try {
    assert.is(fake.listenerCount, 1);
    a = await openEvents(server.url);
    const b = await openEvents(server.url);
    assert.is(((await a.nth('history', 0)).data as unknown[]).length, 1);
    await until(() => a!.comments.includes('heartbeat'), 2000, 'a heartbeat');
    assert.is(((await (await fetch(`${server.url}/healthz`)).json()) as { clients: number }).clients, 2);
    await b.close();
    await until(() => b.ended, 1000, 'b to end');
    const clients = async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { clients: number }).clients;
    const end = Date.now() + 2000;
    while ((await clients()) !== 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.is(await clients(), 1);
  } finally {
    await server.close();
  }
  await until(() => a!.ended, 1000, 'the stream to end when the server closes');
  assert.is(fake.listenerCount, 0, 'the server stopped listening to the session');
});

const TOKEN = 's3cret-token-for-the-lan';

test('bound beyond loopback, the event stream from another machine needs the operator token (query or Bearer)', async () => {
  const lan = lanAddress();
  if (!lan) return console.log('agent/ui/server.test.ts: no non-loopback interface on this machine: the "another machine" case is skipped');
  await withServer({ host: '0.0.0.0', operatorToken: TOKEN }, async ({ port }, fake) => {
    const url = `http://${lan}:${port}`; // this machine's LAN address: the server sees a non-loopback peer
    fake.emit({ state: 'result', record: sampleRecord('verified', { fullName: 'Trần Văn Bảo' }) });
    for (const init of [{}, { query: '?token=wrong' }, { query: `?token=${TOKEN}x` }, { headers: { Authorization: 'Bearer wrong' } }]) {
      const refused = await fetch(`${url}/events${init.query ?? ''}`, { headers: init.headers ?? {} });
      assert.is(refused.status, 401, JSON.stringify(init));
      assert.is(refused.headers.get('www-authenticate'), 'Bearer');
      assert.not.match(await refused.text(), 'Trần Văn Bảo');
    }
    assert.is((await fetch(`${url}/events`, { method: 'HEAD' })).status, 401);
    for (const init of [{ query: `?token=${encodeURIComponent(TOKEN)}` }, { headers: { Authorization: `Bearer ${TOKEN}` } }]) {
      const stream = await openEvents(url, init);
      try {
        assert.is(stream.response.status, 200);
        assert.equal(((await stream.nth('history', 0)).data as { holderName: string }[]).map((r) => r.holderName), ['Trần Văn Bảo']);
      } finally {
        await stream.close();
      }
    }
    assert.is((await fetch(`${url}/`)).status, 200, 'the pages themselves hold no data and stay open');
  });
});

/** A GET from 127.0.0.1 with a chosen Host header (fetch will not send a foreign one). */
function getWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      res.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

test('bound beyond loopback, the kiosk screen on the terminal (a loopback client) gets the stream without a token; operator POSTs still need it', async () => {
  await withServer({ host: '0.0.0.0', operatorToken: TOKEN }, async ({ url, port }, fake) => {
    assert.is(url, `http://127.0.0.1:${port}`);
    fake.emit({ state: 'result', record: sampleRecord('verified', { fullName: 'Trần Văn Bảo' }) });
    const stream = await openEvents(url);
    try {
      assert.is(stream.response.status, 200);
      assert.equal(((await stream.nth('history', 0)).data as { holderName: string }[]).map((r) => r.holderName), ['Trần Văn Bảo']);
    } finally {
      await stream.close();
    }
    assert.is((await fetch(`${url}/events`, { method: 'HEAD' })).status, 200);
    // A page whose DNS name was rebound to 127.0.0.1 names itself in Host: not the kiosk screen.
    assert.is(await getWithHost(port, '/events', 'rebound.example:8080'), 401);
    assert.is(await getWithHost(port, '/events', `localhost:${port}`), 200);
    for (const path of ['/api/access-key', '/api/reference', '/api/cancel']) {
      const refused = await post(url + path, { text: '079090001234' });
      assert.is(refused.status, 401, path);
      assert.is(refused.headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal(fake.calls, [], 'no operator action reached the session');
    assert.is((await post(`${url}/api/cancel`, {}, { ...json, Authorization: `Bearer ${TOKEN}` })).status, 200);
  });
});

test('on loopback (the default), a request naming another host is refused: DNS rebinding reads nothing', async () => {
  await withServer({}, async ({ port }, fake) => {
    fake.emit({ state: 'result', record: sampleRecord('verified', { fullName: 'Trần Văn Bảo' }) });
    for (const path of ['/events', '/', '/operator', '/healthz']) {
      assert.is(await getWithHost(port, path, 'rebound.example:8080'), 403, path);
    }
    assert.is(await getWithHost(port, '/healthz', `127.0.0.1:${port}`), 200);
    assert.is(await getWithHost(port, '/healthz', `localhost:${port}`), 200);
    assert.is(await getWithHost(port, '/healthz', `[::1]:${port}`), 200);
  });
});

test('bound to the IPv6 wildcard, the URL the terminal opens is [::1], and its kiosk gets the stream without a token', async () => {
  await withServer({ host: '::', operatorToken: TOKEN }, async ({ url, port }) => {
    assert.is(url, `http://[::1]:${port}`);
    const stream = await openEvents(url);
    try {
      assert.is(stream.response.status, 200);
    } finally {
      await stream.close();
    }
  });
});

test('bound beyond loopback without an operator token, the server refuses to start', async () => {
  const { FakeSession } = await import('./fake-session.ts');
  const fake = new FakeSession();
  for (const host of ['0.0.0.0', '::']) {
    const error = await assertRejectsCode(startUiServer({ actions: fake, host }), 'CONFIG_INVALID');
    assert.match(error.message, 'set ui.operatorToken');
  }
  assert.is(fake.listenerCount, 0);
});

test(`at most ${MAX_SSE_CLIENTS} event streams at once; beyond that 503 until one closes`, async () => {
  await withServer({}, async ({ url }) => {
    const streams = await Promise.all(Array.from({ length: MAX_SSE_CLIENTS }, () => openEvents(url)));
    try {
      assert.ok(streams.every((s) => s.response.status === 200));
      const refused = await fetch(`${url}/events`);
      assert.is(refused.status, 503);
      assert.is(refused.headers.get('retry-after'), '10');
      assert.is(((await refused.json()) as { code: string }).code, 'TOO_MANY_STREAMS');
      await streams.pop()!.close();
      const clients = async () => ((await (await fetch(`${url}/healthz`)).json()) as { clients: number }).clients;
      const end = Date.now() + 2000;
      while ((await clients()) >= MAX_SSE_CLIENTS && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const again = await openEvents(url);
      assert.is(again.response.status, 200);
      streams.push(again);
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
  });
});

test('a UI port another program holds is one sentence naming the port and ui.port', async () => {
  const other = net.createServer();
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const port = (other.address() as net.AddressInfo).port;
  try {
    const { FakeSession } = await import('./fake-session.ts');
    const error = await assertRejectsCode(startUiServer({ actions: new FakeSession(), port }), 'CONFIG_INVALID');
    assert.is(error.message, `Port ${port} on 127.0.0.1 is already in use by another program: set ui.port in the site config to a free port, or stop that program`);
    assert.is(error.evidence.code, 'EADDRINUSE');
  } finally {
    await new Promise<void>((resolve) => other.close(() => resolve()));
  }
});

test('a port already taken is a clear CONFIG_INVALID', async () => {
  await withServer({}, async ({ port }) => {
    const { FakeSession } = await import('./fake-session.ts');
    const fake = new FakeSession();
    const error = await assertRejectsCode(startUiServer({ actions: fake, port }), 'CONFIG_INVALID');
    assert.match(error.message, 'ui.port');
    assert.is(fake.listenerCount, 0);
  });
});

test('strings.js has a title and instruction for every session state', () => {
  const states = Object.keys(STATE_MESSAGES).filter((k) => k !== 'busy' && k !== 'wrongKey');
  assert.equal(Object.keys(STATE_TEXT).sort(), states.sort());
  for (const [state, text] of Object.entries(STATE_TEXT)) assert.ok(text.title && text.instruction, state);
});

test("the stream names the terminal's time zone (default Asia/Ho_Chi_Minh); an unknown zone refuses to start", async () => {
  for (const [options, zone] of [[{}, 'Asia/Ho_Chi_Minh'], [{ timeZone: 'Asia/Tokyo' }, 'Asia/Tokyo']] as const) {
    await withServer(options, async ({ url }) => {
      const stream = await openEvents(url);
      try {
        assert.equal((await stream.nth('terminal', 0)).data, { timeZone: zone });
      } finally {
        await stream.close();
      }
    });
  }
  const { FakeSession } = await import('./fake-session.ts');
  const fake = new FakeSession();
  const error = await assertRejectsCode(startUiServer({ actions: fake, timeZone: 'Asia/Saigon_Typo' }), 'CONFIG_INVALID');
  assert.match(error.message, 'Unknown time zone "Asia/Saigon_Typo"');
  assert.is(fake.listenerCount, 0);
});

test('/operator/events names who was verified (for the clerk); /events, open alongside, still carries no identity', async () => {
  await withServer({}, async ({ url }, fake) => {
    const kiosk = await openEvents(url);
    const operator = await openEvents(`${url}/operator`); // → /operator/events
    try {
      assert.is(operator.response.status, 200);
      await operator.nth('terminal', 0);
      const rejected = sampleRecord('rejected', { fullName: 'Lê Văn Cường', reasons: [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip', detail: 'similarity 0.21' }] });
      rejected.chip = { accessProtocol: 'PACE', verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'passed', photoSha256: null };
      fake.emit({ state: 'result', record: rejected });
      const [entry] = (await operator.nth('history', 1)).data as Record<string, unknown>[];
      assert.equal(entry!.identity, { fullName: 'Lê Văn Cường', idNumber: '079090001234', dateOfBirth: '1990-05-17', placeOfResidence: '12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh' });
      assert.equal(entry!.chip, { verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'passed' });
      assert.equal(entry!.reasons, [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }]);
      for (const stream of [kiosk, operator]) assert.is(((await stream.nth('message', 1)).data as { state: string }).state, 'result', 'both streams follow the session');
      await kiosk.nth('history', 1);
      const kioskText = JSON.stringify(kiosk.events);
      for (const personal of ['Lê Văn Cường', '079090001234', '1990-05-17', 'Lê Lợi', 'PACE', 'genuine']) assert.not.ok(kioskText.includes(personal), `${personal} on the kiosk stream`);
      assert.not.ok(JSON.stringify(operator.events).includes('similarity 0.21'), 'English detail stays in the register');
    } finally {
      await kiosk.close();
      await operator.close();
    }
  });
});

test('/operator/events with a token configured needs it even from loopback, which /events does not', async () => {
  const token = 'operator-token-0123';
  await withServer({ operatorToken: token }, async ({ url }, fake) => {
    fake.emit({ state: 'result', record: sampleRecord('verified', { fullName: 'Trần Văn Bảo' }) });
    const refused = await fetch(`${url}/operator/events`);
    assert.is(refused.status, 401);
    assert.is(((await refused.json()) as { code: string }).code, 'UNAUTHORIZED');
    assert.is((await fetch(`${url}/operator/events?token=wrong-token-0000000`)).status, 401);
    for (const init of [{ query: `?token=${token}` }, { headers: { Authorization: `Bearer ${token}` } }]) {
      const stream = await openEvents(`${url}/operator`, init);
      try {
        assert.is(stream.response.status, 200);
        const [entry] = (await stream.nth('history', 0)).data as { identity: { fullName: string } }[];
        assert.is(entry!.identity.fullName, 'Trần Văn Bảo');
      } finally {
        await stream.close();
      }
    }
    const kiosk = await openEvents(url);
    try {
      assert.is(kiosk.response.status, 200, 'the kiosk on loopback keeps its stream without the token');
    } finally {
      await kiosk.close();
    }
  });
});

test.run();
