import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApduTransport } from '../apdu.ts';
import { InProcessTransport } from '../sim/in-process-transport.ts';
import { makeVirtualCccd, type SimulatedCccd } from '../sim/make-card.ts';
import { portraitFromJpeg } from '../sim/portrait.ts';
import { lfwFace } from '../sim/shared-data.ts';
import { generateTestPki } from '../sim/test-pki.ts';
import { VirtualCccd, type VirtualCardBehaviour } from '../sim/virtual-cccd.ts';
import { accessKeyFromDocumentFields, accessKeyFromIdNumber, type AccessKey } from './access-key.ts';
import { readDocument, type ReadOptions } from './read-document.ts';
import { assertRejectsCode } from '../test-assert.ts';

const pki = await generateTestPki();
const photo = portraitFromJpeg(lfwFace(3).bytes);

async function card(behaviour?: VirtualCardBehaviour, seed = 7): Promise<SimulatedCccd> {
  return makeVirtualCccd({ seed, photo, pki, ...(behaviour ? { behaviour } : {}) });
}

function canKey(sim: SimulatedCccd): AccessKey {
  return accessKeyFromIdNumber(sim.persona.idNumber);
}

function mrzKey(sim: SimulatedCccd): AccessKey {
  const p = sim.persona;
  const expiry = p.dateOfExpiry.includes('/') ? p.dateOfExpiry : '991231';
  return accessKeyFromDocumentFields(p.idNumber.slice(3), p.dateOfBirth, expiry);
}


test('PACE-CAN read of the virtual CCCD: every DG13 field and the photo bytes', async () => {
  const sim = await card();
  const doc = await readDocument(new InProcessTransport(sim.card), canKey(sim), { extendedLength: true });
  assert.is(doc.accessProtocol, 'PACE');
  const p = sim.persona;
  const dg13 = doc.dg13!;
  for (const field of Object.keys(p) as (keyof typeof p)[]) assert.is(dg13[field as keyof typeof dg13], p[field], `DG13 ${field}`);
  assert.equal(doc.dg2!.images[0]!.data, sim.photo);
  assert.is(doc.dg2!.images[0]!.format, 'jpeg');
  assert.equal(doc.com!.dataGroups, [1, 2, 3, 13, 14, 15]);
  assert.is(doc.dg1!.mrz.documentNumber, p.idNumber.slice(3));
  assert.ok(doc.dg1!.mrz.checkDigitsValid);
  for (const [name, bytes] of sim.built.files) {
    if (name === 'DG3') continue;
    assert.equal(doc.files.get(name), bytes, `${name} raw bytes`);
  }
  assert.equal(doc.unread, []);
});

test('BAC read with document number, date of birth and expiry', async () => {
  const sim = await card(undefined, 11);
  const doc = await readDocument(new InProcessTransport(sim.card), mrzKey(sim), { extendedLength: false });
  // The card offers PACE, and PACE with the MRZ password is preferred over BAC (ICAO 9303-11 §4.2).
  assert.is(doc.accessProtocol, 'PACE');
  assert.is(doc.dg13!.fullName, sim.persona.fullName);
});

test('BAC when the card has no EF.CardAccess (a BAC-only ePassport)', async () => {
  const sim = await card(undefined, 12);
  const files = new Map(sim.built.files);
  files.delete('EF.CardAccess');
  const key = mrzKey(sim);
  if (key.kind !== 'MRZ') throw new Error('expected an MRZ key');
  const bacOnly = new VirtualCccd({ files, can: sim.persona.idNumber.slice(6), mrz: key.mrz });
  const doc = await readDocument(new InProcessTransport(bacOnly), key, { extendedLength: false });
  assert.is(doc.accessProtocol, 'BAC');
  assert.equal(doc.dg2!.images[0]!.data, sim.photo);
  await assertRejectsCode(readDocument(new InProcessTransport(bacOnly), canKey(sim)), 'UNSUPPORTED');
});

test('wrong ID number: ACCESS_DENIED that names the input to re-check', async () => {
  const sim = await card();
  const wrong = sim.persona.idNumber.slice(0, 11) + String((Number(sim.persona.idNumber[11]) + 1) % 10);
  const error = await assertRejectsCode(readDocument(new InProcessTransport(sim.card), accessKeyFromIdNumber(wrong)), 'ACCESS_DENIED');
  assert.match(error.message, /ID number/);
});

for (const [label, options, expectedSize] of [
  ['223-byte short reads', { extendedLength: false }, 223],
  ['256-byte reads', { maxReadSize: 256, extendedLength: true }, 256],
  ['extended reads', { extendedLength: true }, 0xff00],
] as [string, ReadOptions, number][]) {
  test(`read sizes: ${label} give identical files`, async () => {
    const sim = await card();
    const doc = await readDocument(new InProcessTransport(sim.card), canKey(sim), options);
    assert.is(doc.stats.readSize, expectedSize);
    assert.equal(doc.files.get('DG2'), sim.built.files.get('DG2'));
  });
}

test('a chip with a small buffer: the reader learns a size that works and still reads everything', async () => {
  const sim = await card({ maxReadSize: 1000 });
  const doc = await readDocument(new InProcessTransport(sim.card), canKey(sim), { extendedLength: true });
  assert.ok(doc.stats.readSize <= 1000, `read size ${doc.stats.readSize}`);
  assert.equal(doc.files.get('DG2'), sim.built.files.get('DG2'));
});

test('a chip without extended length and without SFI support still reads', async () => {
  const sim = await card({ extendedLength: false, sfi: false });
  const doc = await readDocument(new InProcessTransport(sim.card), canKey(sim), { extendedLength: true });
  assert.is(doc.stats.useSfi, false);
  assert.equal(doc.files.get('DG13'), sim.built.files.get('DG13'));
});

test('a file the card refuses is reported, the others are read', async () => {
  const sim = await card({ refusedFiles: ['DG3', 'DG15'] });
  const doc = await readDocument(new InProcessTransport(sim.card), canKey(sim), { dataGroups: [1, 2, 3, 13, 15] });
  assert.equal(doc.unread.map((u) => [u.file, u.code]), [['DG3', 'SECURITY_NOT_SATISFIED'], ['DG15', 'SECURITY_NOT_SATISFIED']]);
  assert.ok(doc.dg13 && doc.dg2 && doc.sod);
});

test('card removed mid-read: CARD_REMOVED', async () => {
  const sim = await card();
  const transport = new InProcessTransport(sim.card);
  await assertRejectsCode(
    readDocument(transport, canKey(sim), {
      maxReadSize: 223,
      onProgress: (p) => {
        if (p.file === 'DG2' && (p.fileBytesRead ?? 0) > 2000) transport.remove();
      },
    }),
    'CARD_REMOVED',
  );
});

for (const [where, fromEnd] of [
  ['a MAC byte', 5],
  ['the status object', 13],
  ['the encrypted data', 40],
] as [string, number][]) {
  test(`a corrupted protected response (${where}) is an error, never data`, async () => {
    const sim = await card();
    const inner = new InProcessTransport(sim.card);
    let count = 0;
    let corrupted = false;
    // Corrupt a protected READ BINARY answer well after PACE and CA (the first long answer from the 12th on).
    const tampering: ApduTransport = {
      supportsExtendedLength: true,
      async transmit(apdu) {
        const response = await inner.transmit(apdu);
        if (++count >= 12 && !corrupted && response.length > 64) {
          response[response.length - fromEnd]! ^= 0x01;
          corrupted = true;
        }
        return response;
      },
    };
    await assertRejectsCode(readDocument(tampering, canKey(sim)), 'SM_INVALID_MAC');
    assert.ok(corrupted);
  });
}

test('cancellation stops the read promptly', async () => {
  const sim = await card();
  const controller = new AbortController();
  await assertRejectsCode(
    readDocument(new InProcessTransport(sim.card), canKey(sim), {
      signal: controller.signal,
      maxReadSize: 223,
      onProgress: (p) => {
        if (p.file === 'DG2') controller.abort();
      },
    }),
    'CANCELLED',
  );
});

test.run();
