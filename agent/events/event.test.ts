import { generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { EVENT_SCHEMA, buildVerificationEvent, openVerificationEvent } from './event.ts';
import { SAMPLE_ID_NUMBER, SAMPLE_NAME, checkSchema, loadEventSchema, sampleRecord, testKeys } from './events-test-support.ts';

const keys = testKeys();

test('event: build → open roundtrip verifies the signature and decrypts the personal data', async () => {
  const record = sampleRecord();
  const built = await buildVerificationEvent(record, keys);
  assert.is(built.id, record.id);
  assert.is(built.topic, 'event/verification');
  assert.is(built.payload.split('.').length, 3, 'a compact JWS');
  const opened = await openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey, authorityPrivateKey: keys.authorityPrivateKey });
  assert.is(opened.kid, 'test-device-key');
  assert.is(opened.event.schema, EVENT_SCHEMA);
  assert.is(opened.event.id, record.id);
  assert.is(opened.event.decision, 'verified');
  assert.equal(opened.event.reasons, ['face-match']);
  assert.equal(opened.event.face, { decision: 'match', similarity: 0.71, threshold: 0.45, liveness: 'live' });
  assert.is(opened.event.chip?.verdict, 'genuine');
  assert.equal(opened.personal?.identity, record.identity);
  assert.is(opened.personal?.operatorReference, 'HĐ-2026-000123');
  assert.is(opened.personal?.photoSha256, record.chip?.photoSha256);
});

test('event: the decoded event matches the versioned JSON schema', async () => {
  const schema = loadEventSchema();
  for (const record of [sampleRecord(), sampleRecord({ decision: 'error', identity: null, chip: null, face: null, operatorReference: null, accessKeySource: null, reasons: [{ code: 'CARD_REMOVED', messageVi: 'Thẻ bị rút ra' }] })]) {
    const built = await buildVerificationEvent(record, keys);
    const { event } = await openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey });
    assert.equal(checkSchema(schema, event), []);
  }
  // The checker itself must catch a wrong event, or the check above proves nothing.
  const built = await buildVerificationEvent(sampleRecord(), keys);
  const { event } = await openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey });
  const problems = checkSchema(schema, { ...event, decision: 'maybe', extra: 1, id: 'not-a-ulid' });
  assert.is(problems.length, 3, problems.join('; '));
});

test('event: the payload on the wire has no name, ID number, address or reference in clear', async () => {
  const built = await buildVerificationEvent(sampleRecord(), keys);
  const wire = Buffer.from(built.payload, 'utf8');
  // Look inside the base64url too: the JWS payload is only encoded, not encrypted.
  const decoded = Buffer.concat(built.payload.split('.').map((part) => Buffer.from(part, 'base64url')));
  for (const secret of [SAMPLE_ID_NUMBER, SAMPLE_NAME, 'Lê Lợi', 'HĐ-2026-000123', '001090012345', 'ab'.repeat(32)]) {
    assert.not.ok(wire.includes(Buffer.from(secret, 'utf8')), `${secret} in the payload`);
    assert.not.ok(decoded.includes(Buffer.from(secret, 'utf8')), `${secret} in the decoded payload`);
  }
});

test('event: a tampered payload fails verification', async () => {
  const built = await buildVerificationEvent(sampleRecord({ decision: 'rejected' }), keys);
  const [header, body, signature] = built.payload.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), decision: 'verified' })).toString('base64url');
  await assertRejectsCode(openVerificationEvent(`${header}.${forged}.${signature}`, { devicePublicKey: keys.devicePublicKey }), 'MALFORMED_DATA');
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await assertRejectsCode(openVerificationEvent(built.payload, { devicePublicKey: other.publicKey }), 'MALFORMED_DATA');
  await assertRejectsCode(openVerificationEvent('not.a.jws', { devicePublicKey: keys.devicePublicKey }), 'MALFORMED_DATA');
});

test('event: another authority key cannot decrypt the personal data, but the signature still verifies', async () => {
  const built = await buildVerificationEvent(sampleRecord(), keys);
  const wrong = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const error = await assertRejectsCode(openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey, authorityPrivateKey: wrong.privateKey }), 'MALFORMED_DATA');
  assert.match(error.message, /cannot be decrypted/);
  const { event, personal } = await openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey });
  assert.is(personal, undefined);
  assert.type(event.personal, 'string');
});

test('event: the payload is fixed at record time (same record, stable content apart from fresh crypto)', async () => {
  const record = sampleRecord();
  const a = await openVerificationEvent((await buildVerificationEvent(record, keys)).payload, { devicePublicKey: keys.devicePublicKey });
  const b = await openVerificationEvent((await buildVerificationEvent(record, keys)).payload, { devicePublicKey: keys.devicePublicKey });
  assert.equal({ ...a.event, personal: null }, { ...b.event, personal: null });
  assert.not.ok('publishedAt' in a.event);
});

test('event: the register anchor {seq, headHash} travels in the signed part and matches the schema', async () => {
  const schema = loadEventSchema();
  const anchor = { seq: 42, headHash: 'ab'.repeat(32) };
  const built = await buildVerificationEvent(sampleRecord(), keys, anchor);
  const { event } = await openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey });
  assert.equal(event.register, anchor);
  assert.equal(checkSchema(schema, event), []);
  assert.is(checkSchema(schema, { ...event, register: { seq: 0, headHash: 'not-hex' } }).length, 2, 'seq ≥ 1 and 64 hex digits');
  // Changing the anchor in transit breaks the device signature.
  const [header, , signature] = built.payload.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...event, register: { seq: 41, headHash: anchor.headHash } })).toString('base64url');
  await assertRejectsCode(openVerificationEvent(`${header}.${forged}.${signature}`, { devicePublicKey: keys.devicePublicKey }), 'MALFORMED_DATA');
});

test('event: a face retry names the verification it retries, in the signed part, and matches the schema', async () => {
  const schema = loadEventSchema();
  const first = sampleRecord();
  const built = await buildVerificationEvent({ ...sampleRecord(), retryOf: first.id }, keys);
  const { event } = await openVerificationEvent(built.payload, { devicePublicKey: keys.devicePublicKey });
  assert.is(event.retryOf, first.id);
  assert.equal(checkSchema(schema, event), []);
  assert.is(checkSchema(schema, { ...event, retryOf: 'not-a-ulid' }).length, 1);
  const plain = await openVerificationEvent((await buildVerificationEvent(first, keys)).payload, { devicePublicKey: keys.devicePublicKey });
  assert.not.ok('retryOf' in plain.event, 'absent from a first verification');
});

test.run();
