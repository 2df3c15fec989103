import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExport, verifyExport } from '../register/export.ts';
import { until } from '../ui/test-helpers.ts';
import { INSPECTOR, PEOPLE, login, request, startTestPage, type TestPage } from './inspection-test-support.ts';

const test = suite('inspection server (HTTPS)');
let dir = '';
let page: TestPage;
test.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-inspection-'));
  page = await startTestPage(dir);
});
test.after.each(async () => {
  await page.close();
  rmSync(dir, { recursive: true, force: true });
});

const ROUTES = ['/', '/entry?seq=1', '/print?from=2026-11-01&to=2026-11-30', '/common.js', '/search.js', '/entry.js', '/print.js', '/labels.js', '/print.css', '/verify.html', '/api/me', '/api/search', '/api/entry?seq=1', '/api/frame?seq=1', '/api/print?from=2026-11-01&to=2026-11-30', '/api/export', '/api/chain'];
const today = () => new Date().toISOString().slice(0, 10); // the register stamps entries with the real clock

test('with no session (or an unknown or ended one) every page and API answers 401 and shows nothing', async () => {
  for (const cookie of [undefined, 'xacminh_inspection=not-a-session']) {
    for (const route of ROUTES) {
      const api = await request(page, 'GET', route, { headers: { Accept: 'application/json', ...(cookie ? { Cookie: cookie } : {}) } });
      assert.is(api.status, 401, `${route} (${cookie ?? 'no cookie'})`);
      assert.is(api.json().code, 'UNAUTHORIZED');
      for (const person of PEOPLE) assert.not.match(api.body.toString(), person.idNumber);
    }
  }
  const navigation = await request(page, 'GET', '/', { headers: { Accept: 'text/html' } });
  assert.is(navigation.status, 401);
  assert.match(navigation.body.toString(), 'url=/login', 'a browser is sent on to the login page');
  const logout = await request(page, 'POST', '/api/logout', { headers: { Origin: page.server.url, 'Content-Type': 'application/json' }, body: '{}' });
  assert.is(logout.status, 401);
  const { cookie } = await login(page, INSPECTOR, page.password);
  assert.is((await request(page, 'HEAD', '/api/search', { headers: { Cookie: cookie } })).status, 405, 'no search that shows nothing');
  assert.is((await request(page, 'POST', '/api/search', { headers: { Cookie: cookie } })).status, 405);
  const loginPage = await request(page, 'GET', '/login');
  assert.is(loginPage.status, 200);
  assert.match(String(loginPage.headers['content-security-policy']), "default-src 'self'");
  assert.equal(page.inspections().map((a) => a.action), ['login'], 'nothing but the login was recorded: nobody saw anything');
});

test('login sets an HttpOnly, Secure, SameSite=Strict session cookie and is recorded; logout ends the session', async () => {
  const { answer, cookie } = await login(page, INSPECTOR, page.password);
  assert.is(answer.status, 200);
  const set = String(answer.headers['set-cookie']);
  for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.match(set, flag);
  const me = await request(page, 'GET', '/api/me', { headers: { Cookie: cookie } });
  assert.is(me.json().inspector, INSPECTOR);
  const out = await request(page, 'POST', '/api/logout', { headers: { Cookie: cookie, Origin: page.server.url, 'Content-Type': 'application/json' }, body: '{}' });
  assert.is(out.status, 200);
  assert.is((await request(page, 'GET', '/api/me', { headers: { Cookie: cookie } })).status, 401, 'the old cookie is dead');
  assert.equal(page.inspections().map((a) => `${a.inspector}:${a.action}`), [`${INSPECTOR}:login`, `${INSPECTOR}:logout`]);
});

test('a wrong password and a technician account are refused alike, and recorded as failed logins', async () => {
  const wrong = await login(page, INSPECTOR, 'not-the-password');
  assert.is(wrong.answer.status, 401);
  assert.is(wrong.answer.json().messageVi, 'Sai tên đăng nhập hoặc mật khẩu.');
  assert.is(wrong.cookie, '');
  const technician = await login(page, 'kythuat', page.technicianPassword);
  assert.is(technician.answer.status, 401, 'only inspectors log in here');
  const unknown = await login(page, 'nobody', 'whatever-password');
  assert.is(unknown.answer.status, 401);
  assert.equal(page.inspections().map((a) => `${a.inspector}:${a.action}`), [`${INSPECTOR}:login-failed`, 'kythuat:login-failed', 'nobody:login-failed']);
});

test('5 failed logins lock the account for 15 minutes, the right password included; then it works again', async () => {
  for (let i = 1; i <= 4; i++) assert.is((await login(page, INSPECTOR, `wrong-${i}`)).answer.status, 401, `failure ${i}`);
  const fifth = await login(page, INSPECTOR, 'wrong-5');
  assert.is(fifth.answer.status, 429);
  assert.match(String(fifth.answer.json().messageVi), 'tạm khóa, thử lại sau 15 phút');
  assert.is(fifth.answer.headers['retry-after'], '900');
  const locked = await login(page, INSPECTOR, page.password);
  assert.is(locked.answer.status, 429, 'the right password does not open a locked account');
  assert.is(locked.cookie, '');
  page.clock.now += 14 * 60_000;
  assert.is((await login(page, INSPECTOR, page.password)).answer.status, 429);
  page.clock.now += 60_000;
  const after = await login(page, INSPECTOR, page.password);
  assert.is(after.answer.status, 200);
  const actions = page.inspections().map((a) => a.action);
  assert.equal(actions, ['login-failed', 'login-failed', 'login-failed', 'login-failed', 'login-failed', 'login-failed', 'login-failed', 'login']);
});

test('a session ends after 30 minutes idle, and after 8 hours however busy', async () => {
  const { cookie } = await login(page, INSPECTOR, page.password);
  const me = () => request(page, 'GET', '/api/me', { headers: { Cookie: cookie } });
  page.clock.now += 29 * 60_000;
  assert.is((await me()).status, 200, 'a request within 30 minutes keeps it alive');
  page.clock.now += 30 * 60_000;
  assert.is((await me()).status, 401, 'idle 30 minutes');

  const second = await login(page, INSPECTOR, page.password);
  for (let minutes = 0; minutes < 8 * 60 - 20; minutes += 20) {
    page.clock.now += 20 * 60_000;
    assert.is((await request(page, 'GET', '/api/me', { headers: { Cookie: second.cookie } })).status, 200, `after ${minutes + 20} min`);
  }
  page.clock.now += 20 * 60_000;
  assert.is((await request(page, 'GET', '/api/me', { headers: { Cookie: second.cookie } })).status, 401, '8 hours after login');
});

test('CSRF: a POST from another origin, or with no Origin, is refused', async () => {
  const { cookie } = await login(page, INSPECTOR, page.password);
  const body = JSON.stringify({ username: INSPECTOR, password: page.password });
  for (const origin of ['https://evil.example', 'http://127.0.0.1', undefined]) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Cookie: cookie, ...(origin ? { Origin: origin } : {}) };
    assert.is((await request(page, 'POST', '/api/login', { headers, body })).status, 403, `login from ${origin ?? 'no origin'}`);
    assert.is((await request(page, 'POST', '/api/logout', { headers, body: '{}' })).status, 403, `logout from ${origin ?? 'no origin'}`);
  }
  assert.is((await request(page, 'GET', '/api/me', { headers: { Cookie: cookie } })).status, 200, 'the session survived the forged logout');
  const form = await request(page, 'POST', '/api/login', { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: page.server.url }, body: 'username=a&password=b' });
  assert.is(form.status, 415, 'a plain HTML form cannot log in');
  assert.match(String(form.json().messageVi), /^Yêu cầu phải gửi dạng JSON\./);
});

async function loggedIn(): Promise<(path: string) => ReturnType<typeof request>> {
  const { cookie } = await login(page, INSPECTOR, page.password);
  return (path) => request(page, 'GET', path, { headers: { Cookie: cookie } });
}

test('/verify.html serves the one-file export verifier to a session, with a CSP that allows no connection', async () => {
  const get = await loggedIn();
  const answer = await get('/verify.html');
  assert.is(answer.status, 200);
  assert.match(String(answer.headers['content-type']), 'text/html');
  assert.match(String(answer.headers['content-security-policy']), "connect-src 'none'");
  assert.match(answer.body.toString('utf8'), '<script');
});

test('search by name (without diacritics), ID number, decision and day range, with counts; each search recorded', async () => {
  const get = await loggedIn();
  const byName = (await get('/api/search?name=tran%20thi%20mau')).json();
  assert.is(byName.total, 1);
  assert.is(byName.counts, null, 'no day range, no counts');
  assert.is((byName.items as { fullName: string }[])[0]!.fullName, 'Trần Thị Mẫu');
  const byId = (await get(`/api/search?idNumber=${PEOPLE[2]!.idNumber}`)).json();
  assert.equal((byId.items as { seq: number }[]).map((i) => i.seq), [3]);
  const verified = (await get(`/api/search?decision=verified&from=${today()}&to=${today()}`)).json();
  assert.equal((verified.items as { seq: number }[]).map((i) => i.seq), [3, 1], 'newest first');
  assert.equal(verified.counts, { verified: 2, rejected: 1 });
  const past = (await get('/api/search?from=2020-01-01&to=2020-01-31')).json();
  assert.is(past.total, 0);
  const bad = await get('/api/search?from=2026-02-30');
  assert.is(bad.status, 400);
  assert.match(String(bad.json().messageVi), 'Ngày "2026-02-30" không hợp lệ');
  const searches = page.inspections().filter((a) => a.action === 'search');
  assert.is(searches.length, 4, 'the refused search showed nothing and is not one');
  assert.equal(searches[2]!.range, { from: today(), to: today() });
});

test('an entry shows its decision, reasons, chip verdict, face scores and personal data; its frame is a JPEG; the view is recorded', async () => {
  const get = await loggedIn();
  const entry = (await get('/api/entry?seq=2')).json() as { decision: string; identity: { fullName: string; placeOfResidence: string }; record: { reasons: { messageVi: string }[]; chip: { verdict: string }; face: { similarity: number } }; hasFrame: boolean };
  assert.is(entry.decision, 'rejected');
  assert.is(entry.identity.fullName, 'Trần Thị Mẫu');
  assert.equal(entry.record.reasons.map((r) => r.messageVi), ['Khuôn mặt không khớp với ảnh trong chip']);
  assert.is(entry.record.chip.verdict, 'genuine');
  assert.is(entry.record.face.similarity, 0.71);
  assert.ok(entry.hasFrame);
  const frame = await get('/api/frame?seq=2');
  assert.is(frame.status, 200);
  assert.is(frame.headers['content-type'], 'image/jpeg');
  assert.equal([...frame.body.subarray(0, 2)], [0xff, 0xd8]);
  assert.is((await get('/api/entry?seq=99')).status, 404);
  assert.equal(page.inspections().filter((a) => a.action === 'view').map((a) => a.seqs), [[2]]);
});

test('after a retention purge an entry says its personal data and frame are gone; the decision and time stay', async () => {
  const get = await loggedIn();
  const purged = page.register.purge(new Date(Date.now() + 60_000).toISOString(), 1);
  assert.ok(purged.purged >= 3);
  const entry = (await get('/api/entry?seq=2')).json() as { decision: string; personalData: string; identity: unknown; hasFrame: boolean };
  assert.equal([entry.decision, entry.personalData, entry.identity, entry.hasFrame], ['rejected', 'purged', null, false]);
  assert.is((await get('/api/frame?seq=2')).status, 404);
  const listed = (await get('/api/search')).json() as { items: { seq: number; purged: boolean; fullName: string | null }[] };
  assert.ok(listed.items.every((i) => i.purged && i.fullName === null));
  assert.is((await get('/api/search?idNumber=001199000001')).json().total, 0, 'the blind index went with the data');
});

test('the print view lists the range oldest first with the paper register columns; recorded', async () => {
  const get = await loggedIn();
  const printed = (await get(`/api/print?from=${today()}&to=${today()}`)).json() as { rows: { seq: number; fullName: string; dateOfBirth: string; address: string }[] };
  assert.equal(printed.rows.map((r) => r.seq), [1, 2, 3]);
  assert.is(printed.rows[1]!.fullName, 'Trần Thị Mẫu');
  assert.is(printed.rows[1]!.dateOfBirth, '1990-01-15');
  assert.is(printed.rows[1]!.address, '2 Đường Thử Nghiệm, Quận 1, TP. Hồ Chí Minh');
  assert.is((await get('/api/print')).status, 400, 'a print needs a day range');
  assert.equal(page.inspections().filter((a) => a.action === 'print').map((a) => a.range), [{ from: today(), to: today() }]);
});

test('the export downloads as a signed file that verifies with the device key; the temporary file is gone; recorded', async () => {
  const get = await loggedIn();
  const answer = await get(`/api/export?from=${today()}&to=${today()}`);
  assert.is(answer.status, 200);
  assert.match(String(answer.headers['content-disposition']), `attachment; filename="xacminh-so-dang-ky-${today()}-${today()}.jsonl"`);
  const bundle = parseExport(answer.body.toString('utf8'));
  const report = verifyExport(bundle, { trustedPublicKey: createPublicKey(page.deviceKey) });
  assert.ok(report.ok, JSON.stringify(report.problems));
  // Every entry of the day: the three verifications and the login before the export (its own entry comes after).
  assert.is(report.entries, page.register.headSeq - 1);
  assert.equal(bundle.entries.filter((e) => 'kind' in e && e.kind === 'verification').map((e) => e.seq), [1, 2, 3]);
  await until(() => readdirSync(join(dir, 'exports')).length === 0, 5000, 'the temporary export file removed');
  assert.is((await get('/api/export?from=2020-01-01&to=2020-01-02')).status, 404);
  assert.equal(page.inspections().filter((a) => a.action === 'export').map((a) => a.range), [{ from: today(), to: today() }]);
});

test('the chain state: anchors missing while unsigned, intact once checkpointed, broken at the first altered entry', async () => {
  const get = await loggedIn();
  type State = { status: string; brokenAt?: number; checkedAt: string | null; checking: boolean; messageVi: string };
  let current: State | undefined;
  // The check runs in a worker thread: wait until it has answered with a settled state.
  const settled = async (wanted: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      current = (await get('/api/chain')).json() as unknown as State;
      if (current.status === wanted || (!current.checking && current.status !== 'not-checked') || Date.now() > deadline) return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  assert.is((await settled('anchors-missing')).status, 'anchors-missing', current?.messageVi);
  assert.ok(current!.checkedAt, 'says when it was checked');
  page.register.checkpoint();
  page.clock.now += 6 * 60_000; // older than the cache's 5 minutes: the next ask starts a new check
  assert.is((await settled('intact')).status, 'intact', current?.messageVi);
  assert.match(current!.messageVi, 'Chuỗi nguyên vẹn');
  const db = new Database(page.register.path);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update');
  db.exec("UPDATE entries SET decision = 'verified', record_json = replace(record_json, '\"rejected\"', '\"verified\"') WHERE seq = 2");
  db.close();
  page.clock.now += 6 * 60_000;
  assert.is((await settled('broken')).status, 'broken');
  assert.is(current!.brokenAt, 2);
  assert.match(current!.messageVi, 'CHUỖI BỊ HỎNG từ mục số 2');
});

test.run();
