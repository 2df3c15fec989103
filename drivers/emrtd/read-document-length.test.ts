// A chip announcing an absurd file length is refused with MALFORMED_DATA before the reader allocates for it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InProcessTransport } from '../sim/in-process-transport.ts';
import { makeVirtualCccd } from '../sim/make-card.ts';
import { generateTestPki } from '../sim/test-pki.ts';
import { VirtualCccd } from '../sim/virtual-cccd.ts';
import { assertRejectsCode } from '../test-assert.ts';
import { accessKeyFromIdNumber } from './access-key.ts';
import { fromHex } from './crypto/bytes.ts';
import { MAX_FILE_LENGTH } from './file-reader.ts';
import { readDocument } from './read-document.ts';

const sim = await makeVirtualCccd({ seed: 31, pki: await generateTestPki() });
const key = accessKeyFromIdNumber(sim.persona.idNumber);

/** The genuine card with one file's bytes replaced (the chip serves what it has; the header may lie). */
function cardWith(name: string, bytes: Uint8Array): InProcessTransport {
  const files = new Map(sim.built.files);
  files.set(name, bytes);
  const mrz = { documentNumber: sim.persona.idNumber.slice(3), dateOfBirth: '000101', dateOfExpiry: '000101' };
  return new InProcessTransport(new VirtualCccd({ files, can: sim.persona.idNumber.slice(6), mrz }));
}

for (const [label, name, hex, announced] of [
  ['EF.COM announcing 4 GiB (84 FF FF FF FF)', 'EF.COM', '6084FFFFFFFF5F0104303130375C0161', 0xffffffff + 6],
  ['DG1 announcing 4 GiB', 'DG1', '6184FFFFFFFF5F1F0101', 0xffffffff + 6],
  ['DG2 announcing a 1 MiB value (5 header bytes past the cap)', 'DG2', '7583100000' + '00'.repeat(64), MAX_FILE_LENGTH + 5],
] as const) {
  test(`${label}: MALFORMED_DATA naming the file and the announced length`, async () => {
    const error = await assertRejectsCode(readDocument(cardWith(name, fromHex(hex)), key), 'MALFORMED_DATA');
    assert.is(error.evidence.file, name);
    // The announced length in the evidence shows the cap refused it, not a read that ran short afterwards.
    assert.is(error.evidence.announced, announced);
  });
}

test('a length of length 5 or more (85 …, 88 …): MALFORMED_DATA', async () => {
  for (const hex of ['618501000000005F1F', '6188FFFFFFFFFFFFFFFF5F1F']) {
    const error = await assertRejectsCode(readDocument(cardWith('DG1', fromHex(hex)), key), 'MALFORMED_DATA');
    assert.match(error.message, /-byte length field/);
  }
});

test('the cap is above every file a genuine card carries', () => {
  for (const [name, bytes] of sim.built.files) assert.ok(bytes.length < MAX_FILE_LENGTH / 10, `${name}: ${bytes.length} bytes`);
});

test.run();
