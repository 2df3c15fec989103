// The operator page's routes over real HTTP: the two pictures (a JPEG 2000 chip photo turned into JPEG, the best
// frame as given), only to the operator and only for the recent results; retry and reference on a recorded
// verification reach the actions with the POST rules; the kiosk's /events never carries a picture.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import sharp from 'sharp';
import { XacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from './fake-session.ts';
import { PHOTOS_KEPT } from './operator-photos.ts';
import { chipPhotoJp2, frameJpeg } from './operator-test-support.ts';
import { openEvents, until, withServer } from './test-helpers.ts';
import type { OperatorRecord } from './operator-view.ts';

const json = { 'Content-Type': 'application/json' };
const post = (url: string, body: unknown, headers: Record<string, string> = json) => fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });

/** A GET naming another Host (fetch does not let a test set it). */
function statusWithHost(url: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url + path, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** The operator stream's history as the page gets it. */
async function operatorHistory(url: string, token?: string): Promise<OperatorRecord[]> {
  const stream = await openEvents(url.replace(/\/?$/, '/operator'), token ? { query: `?token=${token}` } : {});
  try {
    return (await stream.nth('history', 0)).data as OperatorRecord[];
  } finally {
    await stream.close();
  }
}

test('the chip photo (JPEG 2000 from the chip) is served as JPEG and the best frame as taken, to the operator only; the kiosk stream carries neither', async () => {
  const chip = await chipPhotoJp2();
  const frame = await frameJpeg();
  await withServer({ operatorToken: 'op-token-1' }, async ({ url }, fake) => {
    const kiosk = await openEvents(url);
    const record = sampleRecord('verified');
    fake.emit({ state: 'result', verificationId: record.id, record, photos: { chip, bestFrame: frame } });
    const [row] = await operatorHistory(url, 'op-token-1');
    assert.equal(row!.photos, { chip: `/operator/photo/${record.id}/chip`, frame: `/operator/photo/${record.id}/frame` });

    const chipRes = await fetch(`${url}${row!.photos.chip}?token=op-token-1`);
    assert.is(chipRes.status, 200);
    assert.is(chipRes.headers.get('content-type'), 'image/jpeg');
    assert.is(chipRes.headers.get('cache-control'), 'no-store', 'personal data is not cached');
    const meta = await sharp(Buffer.from(await chipRes.arrayBuffer())).metadata();
    assert.equal([meta.format, meta.width, meta.height], ['jpeg', 240, 320]);
    const frameRes = await fetch(`${url}${row!.photos.frame}`, { headers: { Authorization: 'Bearer op-token-1' } });
    assert.equal(new Uint8Array(await frameRes.arrayBuffer()), frame, 'the frame as the camera path gave it');

    for (const [path, headers] of [[row!.photos.chip!, {}], [`${row!.photos.chip}?token=wrong`, {}], [row!.photos.frame!, { Authorization: 'Bearer wrong' }]] as const) {
      const refused = await fetch(url + path, { headers });
      assert.is(refused.status, 401, path);
      assert.match(((await refused.json()) as { messageVi: string }).messageVi, 'mã vận hành');
    }
    await until(() => kiosk.events.some((e) => e.event === 'message' && (e.data as { state: string }).state === 'result'), 3000, 'the kiosk result');
    const raw = JSON.stringify(kiosk.events);
    assert.not.ok(raw.includes('photos') || raw.includes('/operator/photo'), 'no picture and no picture path on /events');
    await kiosk.close();
  });
});

test('without a token the pictures answer this machine only; unknown ids, bad paths and a damaged chip photo are 404 with Vietnamese text', async () => {
  await withServer({}, async ({ url }, fake) => {
    const damaged = sampleRecord('rejected');
    fake.emit({ state: 'result', verificationId: damaged.id, record: damaged, photos: { chip: new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x01]), bestFrame: undefined } });
    const [row] = await operatorHistory(url);
    assert.equal(row!.photos, { chip: `/operator/photo/${damaged.id}/chip`, frame: null });
    const broken = await fetch(url + row!.photos.chip!);
    assert.is(broken.status, 404);
    assert.match(((await broken.json()) as { messageVi: string }).messageVi, 'Không còn ảnh');
    assert.is((await fetch(`${url}/operator/photo/${damaged.id}/frame`)).status, 404);
    assert.is((await fetch(`${url}/operator/photo/01JZZZZZZZZZZZZZZZZZZZZZZZ/chip`)).status, 404);
    assert.is((await fetch(`${url}/operator/photo/${damaged.id}/other`)).status, 404);
    for (const path of [`/operator/photo/${damaged.id}/chip`, '/operator/day']) assert.is(await statusWithHost(url, path, 'rebound.example'), 403, `${path}: another Host (DNS rebinding) reads nothing`);
  });
});

test(`pictures are kept for the last ${PHOTOS_KEPT} results only`, async () => {
  const frame = await frameJpeg();
  await withServer({}, async ({ url }, fake) => {
    const records = Array.from({ length: PHOTOS_KEPT + 2 }, () => sampleRecord('verified'));
    for (const record of records) fake.emit({ state: 'result', verificationId: record.id, record, photos: { bestFrame: frame } });
    const statuses = await Promise.all(records.map(async (r) => (await fetch(`${url}/operator/photo/${r.id}/frame`)).status));
    assert.equal(statuses, [404, 404, ...Array<number>(PHOTOS_KEPT).fill(200)]);
  });
});

test('retry the face step and a reference on a recorded verification reach the actions; their answers come back; the POST rules hold', async () => {
  await withServer({ operatorToken: 'op-token-2' }, async ({ url }, fake) => {
    const auth = { ...json, Authorization: 'Bearer op-token-2' };
    const record = sampleRecord('rejected');
    fake.emit({ state: 'result', verificationId: record.id, record });

    fake.retryAnswer = { accepted: false, reasonVi: 'Thẻ đã được nhấc ra' };
    let res = await post(`${url}/api/retry-face`, { verificationId: record.id }, auth);
    assert.equal([res.status, await res.json()], [200, { accepted: false, reasonVi: 'Thẻ đã được nhấc ra' }]);
    fake.retryAnswer = { accepted: true };
    res = await post(`${url}/api/retry-face`, { verificationId: record.id }, auth);
    assert.equal(await res.json(), { accepted: true });

    res = await post(`${url}/api/reference-for`, { verificationId: record.id, text: '  HĐ 2026/001 ' }, auth);
    assert.equal([res.status, await res.json()], [200, { ok: true }]);
    const [row] = await operatorHistory(url, 'op-token-2');
    assert.is(row!.operatorReference, 'HĐ 2026/001', 'the recent list shows it');
    fake.referenceFor = async () => ({ ok: false, reasonVi: 'Không tìm thấy lượt xác minh này' });
    res = await post(`${url}/api/reference-for`, { verificationId: record.id, text: 'P.2' }, auth);
    assert.equal(await res.json(), { ok: false, reasonVi: 'Không tìm thấy lượt xác minh này' });
    assert.equal(fake.calls, [
      { method: 'retryFace', verificationId: record.id },
      { method: 'retryFace', verificationId: record.id },
      { method: 'setReferenceFor', verificationId: record.id, reference: 'HĐ 2026/001' },
      { method: 'setReferenceFor', verificationId: record.id, reference: 'P.2' },
    ]);

    const refused: [body: unknown, headers: Record<string, string>, status: number, vi: string][] = [
      [{ verificationId: record.id }, json, 401, 'mã vận hành'],
      [{ verificationId: record.id }, { ...auth, Origin: 'http://evil.example' }, 403, 'từ chối'],
      [{ verificationId: 'not-a-ulid' }, auth, 400, 'không hợp lệ'],
      [{ verificationId: record.id, text: 'x'.repeat(65) }, auth, 400, 'tối đa 64'],
      [{ verificationId: record.id, text: '   ' }, auth, 400, 'Nhập số hợp đồng'],
      [{ verificationId: record.id }, auth, 400, 'không hợp lệ'],
    ];
    for (const [i, [body, headers, status, vi]] of refused.entries()) {
      const path = i === 0 || i === 1 || i === 2 ? '/api/retry-face' : '/api/reference-for';
      const answer = await post(url + path, body, headers);
      assert.is(answer.status, status, `${path} ${JSON.stringify(body)}`);
      assert.match(((await answer.json()) as { messageVi: string }).messageVi, vi);
    }
    assert.is(fake.calls.length, 4, 'nothing refused reached the actions');

    // The session busy with the next customer, or failing outright: 409 in Vietnamese, then 500; the server goes on.
    fake.failNext = new XacminhError('BUSY', 'A verification is running');
    res = await post(`${url}/api/retry-face`, { verificationId: record.id }, auth);
    assert.equal([res.status, ((await res.json()) as { messageVi: string }).messageVi], [409, 'Đang xác minh cho khách trước, vui lòng chờ']);
    fake.failNext = new Error('boom');
    res = await post(`${url}/api/reference-for`, { verificationId: record.id, text: 'P.3' }, auth);
    assert.equal([res.status, ((await res.json()) as { code: string }).code], [500, 'INTERNAL']);
    res = await post(`${url}/api/retry-face`, { verificationId: record.id }, auth);
    assert.equal(await res.json(), { accepted: true });
    assert.is((await fetch(`${url}/api/retry-face`)).status, 405);
  });
});

test('the day list without a register is 503 with Vietnamese text; the page files are served', async () => {
  await withServer({}, async ({ url }) => {
    const res = await fetch(`${url}/operator/day`);
    assert.is(res.status, 503);
    assert.match(((await res.json()) as { messageVi: string }).messageVi, 'Sổ ghi chưa mở');
    for (const path of ['/operator.css', '/operator-api.js', '/operator-results.js', '/operator-day.js']) {
      const file = await fetch(url + path);
      assert.is(file.status, 200, path);
      assert.match(file.headers.get('content-security-policy')!, "default-src 'self'");
    }
  });
});

test.run();
