// What crosses to the Node-RED process: no photos, embeddings or free-text details; personal data only
// as the site's privacy setting allows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SAMPLE_ID_NUMBER, SAMPLE_NAME, sampleRecord } from '../events/events-test-support.ts';
import { flowStatus, flowVerification, maskIdNumber } from './node-red-message.ts';

test('privacy "none": nothing personal, not even in a reason’s detail', () => {
  const text = JSON.stringify(flowVerification(sampleRecord(), 'none'));
  assert.not.match(text, SAMPLE_NAME);
  assert.not.match(text, SAMPLE_ID_NUMBER);
  assert.not.match(text, 'Lê Lợi');
  assert.not.match(text, 'ab'.repeat(32), 'no photo hash');
  assert.not.ok('person' in JSON.parse(text));
});

test('privacy "masked-id" and "masked-id-and-name"', () => {
  assert.equal(flowVerification(sampleRecord(), 'masked-id').person, { idNumberMasked: '********1234' });
  assert.equal(flowVerification(sampleRecord(), 'masked-id-and-name').person, { idNumberMasked: '********1234', fullName: SAMPLE_NAME });
  assert.is(flowVerification(sampleRecord({ identity: null }), 'masked-id-and-name').person, undefined, 'no chip read: no person');
});

test('maskIdNumber keeps only the last four characters, and hides more of a short one', () => {
  assert.is(maskIdNumber('079203001234'), '********1234');
  assert.is(maskIdNumber('12345'), '****5');
  assert.is(maskIdNumber('123'), '***');
});

test('a chip whose AA or CA failed is a suspected clone; a genuine one is not', () => {
  assert.is(flowVerification(sampleRecord(), 'none').cloneSuspected, false);
  const chip = { accessProtocol: 'PACE', verdict: 'not-genuine' as const, passive: 'passed' as const, active: 'not-checked' as const, chip: 'failed' as const, photoSha256: null };
  const clone = flowVerification(sampleRecord({ decision: 'rejected', chip }), 'none');
  assert.is(clone.cloneSuspected, true);
  assert.equal(clone.chip, { verdict: 'not-genuine', passive: 'passed', active: 'not-checked', chip: 'failed', accessProtocol: 'PACE' });
  assert.equal(clone.face, { decision: 'match', similarity: 0.71, threshold: 0.45, liveness: 'live' });
});

test('flowStatus: degraded when a part failed; the runtime itself is not listed', () => {
  const status = flowStatus(
    [
      { name: 'register', state: 'running' },
      { name: 'camera', state: 'failed', error: { code: 'CAMERA_UNAVAILABLE', message: 'no /dev/video0' } },
      { name: 'node-red', state: 'running' },
    ],
    [],
    7,
    { reader: 'ok', broker: 'offline', faults: [] },
    new Date('2026-03-02T00:00:00Z'),
  );
  assert.equal(status, { state: 'degraded', parts: [{ name: 'register', state: 'running' }, { name: 'camera', state: 'failed', message: 'no /dev/video0' }], alarms: [], outboxBacklog: 7, reader: 'ok', broker: 'offline', faults: [], selfTest: null, at: '2026-03-02T00:00:00.000Z' });
  const lost = flowStatus([{ name: 'register', state: 'running' }], [], 0, { reader: 'lost', broker: 'connected', faults: [] });
  assert.is(lost.state, 'degraded', 'a lost reader degrades the terminal');
  const tested = flowStatus([], [], 0, { reader: 'ok', broker: 'connected', faults: [], selfTest: { status: 'fail', finishedAt: '2026-03-02T01:00:00.000Z' } });
  assert.equal(tested.selfTest, { status: 'fail', finishedAt: '2026-03-02T01:00:00.000Z' }, 'the newest self-test goes to the flows');
});

test.run();
