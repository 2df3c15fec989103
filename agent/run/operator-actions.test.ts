// The operator's actions on a recorded verification, against a real register (format 2, data key): a reference
// and an accepted face retry become 'operator' entries naming the verification; anything else is refused in
// Vietnamese and writes nothing.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Register } from '../register/register.ts';
import { FakeSession, sampleRecord } from '../ui/fake-session.ts';
import { operatorActions, OPERATOR_ACTION_TEXT } from './operator-actions.ts';

const test = suite('operator actions');
const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const quiet = { info() {}, warn() {}, error() {} };
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-operator-actions-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function openRegister(name: string, dataKey?: Uint8Array): Register {
  return Register.open(join(dir, name), { deviceKey, outboxCapacity: 100, ...(dataKey ? { dataKey } : {}) });
}

test('a reference on a recorded verification is an operator entry: ids and seq public, the reference sealed', async () => {
  const register = openRegister('reference.db', new Uint8Array(randomBytes(32)));
  try {
    const record = sampleRecord('verified');
    const { seq } = register.append(record, { events: [] });
    const actions = operatorActions(new FakeSession(), () => register, quiet);
    assert.equal(await actions.setReferenceFor(record.id, '  HĐ cầm đồ 2026/117 '), { ok: true });
    const entry = register.read(register.headSeq)!;
    assert.is(entry.kind, 'operator');
    assert.equal(entry.public, { verificationId: record.id, verificationSeq: seq, action: 'reference', by: 'operator' });
    assert.equal(entry.sealed, { reference: 'HĐ cầm đồ 2026/117' });
    assert.is(entry.sealedState, 'present');
    assert.ok(register.verify().ok, 'the chain still verifies');
  } finally {
    register.close();
  }
});

test('an unknown verification, a non-verification entry, a bad reference, a register without its data key: refused, nothing written', async () => {
  const register = openRegister('refused.db', new Uint8Array(randomBytes(32)));
  const record = sampleRecord('rejected');
  register.append(record, { events: [] });
  const actions = operatorActions(new FakeSession(), () => register, quiet);
  await actions.setReferenceFor(record.id, 'P.204');
  const operatorEntryId = register.read(register.headSeq)!.id;
  const head = register.headSeq;
  assert.equal(await actions.setReferenceFor('01JZZZZZZZZZZZZZZZZZZZZZZZ', 'P.204'), { ok: false, reasonVi: OPERATOR_ACTION_TEXT.notRecorded });
  assert.equal(await actions.setReferenceFor(operatorEntryId, 'P.204'), { ok: false, reasonVi: OPERATOR_ACTION_TEXT.notRecorded }, 'only a verification takes a reference');
  for (const bad of ['', '   ', 'x'.repeat(65), 'P.204\u0007']) {
    assert.equal(await actions.setReferenceFor(record.id, bad), { ok: false, reasonVi: OPERATOR_ACTION_TEXT.invalidReference }, JSON.stringify(bad));
  }
  assert.is(register.headSeq, head, 'nothing written');
  register.close();

  const locked = openRegister('refused.db'); // no data key: the sealed reference cannot be written
  try {
    const answer = await operatorActions(new FakeSession(), () => locked, quiet).setReferenceFor(record.id, 'P.204');
    assert.is(answer.ok, false);
    assert.match(answer.reasonVi!, /^Không ghi được vào sổ —/);
    assert.is(locked.headSeq, head);
  } finally {
    locked.close();
  }
  assert.equal(await operatorActions(new FakeSession(), () => undefined, quiet).setReferenceFor(record.id, 'P.204'), { ok: false, reasonVi: OPERATOR_ACTION_TEXT.registerClosed });
});

test('retry the face step: the session decides; an accepted retry is an operator entry, a refused one is not', async () => {
  const register = openRegister('retry.db', new Uint8Array(randomBytes(32)));
  try {
    const record = sampleRecord('rejected');
    const { seq } = register.append(record, { events: [] });
    const fake = new FakeSession();
    const actions = operatorActions(fake, () => register, quiet);
    fake.retryAnswer = { accepted: false, reasonVi: 'Thẻ đã được nhấc ra' };
    assert.equal(await actions.retryFace(record.id), { accepted: false, reasonVi: 'Thẻ đã được nhấc ra' });
    assert.is(register.headSeq, seq);
    fake.retryAnswer = { accepted: true };
    assert.equal(await actions.retryFace(record.id), { accepted: true });
    assert.equal(fake.calls, [{ method: 'retryFace', verificationId: record.id }, { method: 'retryFace', verificationId: record.id }]);
    const entry = register.read(register.headSeq)!;
    assert.equal([entry.kind, entry.public, entry.sealedState], ['operator', { verificationId: record.id, verificationSeq: seq, action: 'retry-face', by: 'operator' }, 'none']);

    // A session without retryFace (before it is built in): refused in Vietnamese, the session never asked.
    const withoutRetry = { submitAccessKey: fake.submitAccessKey.bind(fake), setReference: fake.setReference.bind(fake), cancel: fake.cancel.bind(fake), current: fake.current.bind(fake), on: fake.on.bind(fake), off: fake.off.bind(fake) };
    assert.equal(await operatorActions(withoutRetry, () => register, quiet).retryFace(record.id), { accepted: false, reasonVi: OPERATOR_ACTION_TEXT.retryUnavailable });
    assert.is(fake.calls.length, 2);
  } finally {
    register.close();
  }
});

test('the session actions pass straight through', async () => {
  const fake = new FakeSession();
  const actions = operatorActions(fake, () => undefined, quiet);
  actions.submitAccessKey('079090001234');
  actions.setReference('P.101');
  actions.cancel();
  assert.equal(fake.calls, [{ method: 'submitAccessKey', text: '079090001234' }, { method: 'setReference', text: 'P.101' }, { method: 'cancel' }]);
  const seen: string[] = [];
  const listener = (u: { state: string }) => seen.push(u.state);
  actions.on('update', listener);
  fake.emit({ state: 'face' });
  actions.off('update', listener);
  fake.emit({ state: 'idle' });
  assert.equal(seen, ['face']);
  assert.is(actions.current().state, 'idle');
});

test.run();
