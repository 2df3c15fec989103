// The customer's result texts: every reason the agent can give has one, and none of them accuses or explains.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTHENTICITY_MESSAGES, OPERATOR_MESSAGES, SESSION_MESSAGES } from '../labels.ts';
import { CUSTOMER_OUTCOME, CUSTOMER_OUTCOME_OF, customerOutcome } from './public/strings.js';

/** Every reason code a record can carry: the session's, the chip's and the errors the operator sees. */
const ALL_CODES = [...Object.keys(SESSION_MESSAGES), ...Object.keys(AUTHENTICITY_MESSAGES), ...Object.keys(OPERATOR_MESSAGES)];

test('every reason code has a customer outcome chosen for it', () => {
  // Hardware and configuration failures read as a fault; the rest must be mapped by hand, so a new code gets a look.
  const faults = new Set(['NO_READER', 'READER_BUSY', 'PCSC_UNAVAILABLE', 'STORAGE_FAILED', 'NATIVE_MODULE', 'REGISTER_TAMPERED', 'OUTBOX_FULL', 'CONFIG_INVALID', 'CAMERA_UNAVAILABLE', 'MODEL_INVALID', 'BROKER_UNAVAILABLE']);
  const unmapped = ALL_CODES.filter((code) => !(code in CUSTOMER_OUTCOME_OF) && !faults.has(code));
  assert.equal(unmapped, []);
  for (const code of faults) assert.is(customerOutcome({ decision: 'error', reasons: [{ code }] }), CUSTOMER_OUTCOME.fault, code);
});

test('customer texts are neutral: no forgery, copy or technical words, and every one says what to do next', () => {
  const accusing = /giả|sao chép|chữ ký|chứng thư|CSCA|CRL|EF\.SOD|khóa|người thật|ảnh in|màn hình/i;
  for (const [key, outcome] of Object.entries(CUSTOMER_OUTCOME)) {
    assert.not.match(`${outcome.text} ${outcome.next}`, accusing, key);
    assert.ok(outcome.next.length > 0, `${key} has a next step`);
  }
  // The operator's own texts for these codes do accuse: the kiosk must not reach for them.
  assert.match(AUTHENTICITY_MESSAGES.CA_FAILED!, 'sao chép');
});

test('the first reason that has an outcome decides; the chip comes before its details, an unknown code is a fault', () => {
  const cloned = { decision: 'rejected', reasons: [{ code: 'chip-not-genuine' }, { code: 'CA_FAILED' }] };
  assert.is(customerOutcome(cloned).text, 'Không xác minh được thẻ — vui lòng liên hệ nhân viên');
  assert.is(customerOutcome({ decision: 'rejected', reasons: [{ code: 'face-eyes-closed' }] }), CUSTOMER_OUTCOME['face-again']);
  assert.is(customerOutcome({ decision: 'error', reasons: [{ code: 'CARD_REMOVED' }] }), CUSTOMER_OUTCOME['read-again']);
  assert.is(customerOutcome({ decision: 'error', reasons: [{ code: 'SOMETHING_NEW' }] }), CUSTOMER_OUTCOME.fault);
  assert.is(customerOutcome({ decision: 'error', reasons: [] }), CUSTOMER_OUTCOME.fault);
  assert.is(customerOutcome({ decision: 'verified', reasons: [{ code: 'face-not-checked' }] }), CUSTOMER_OUTCOME.verified);
});

test.run();
