// An ICAO ePassport, not only the CCCD: TD3 MRZ in DG1, no DG13, BAC only, opened with the MRZ text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { InProcessTransport } from '../sim/in-process-transport.ts';
import { drawnPortrait } from '../sim/portrait.ts';
import { generateTestPki } from '../sim/test-pki.ts';
import { VirtualCccd } from '../sim/virtual-cccd.ts';
import { accessKeyFromMrz } from './access-key.ts';
import { encodeCom } from './lds/com.ts';
import { encodeDg1 } from './lds/dg1.ts';
import { encodeDg2 } from './lds/dg2.ts';
import { encodeSod } from './lds/sod.ts';
import { formatTd3 } from './mrz.ts';
import { readDocument } from './read-document.ts';

test('a BAC-only ePassport with a TD3 MRZ reads with the MRZ as the key', async () => {
  const lines = formatTd3({
    documentCode: 'P',
    issuingState: 'UTO',
    documentNumber: 'L898902C3',
    dateOfBirth: '740812',
    sex: 'F',
    dateOfExpiry: '320415',
    nationality: 'UTO',
    optionalData1: 'ZE184226B',
    optionalData2: '',
    primaryIdentifier: 'ERIKSSON',
    secondaryIdentifier: 'ANNA MARIA',
  });
  const photo = drawnPortrait(99);
  const dataGroups = new Map([
    [1, encodeDg1(lines)],
    [2, encodeDg2(photo, { width: 480, height: 640 })],
  ]);
  const pki = await generateTestPki({ country: 'UT' });
  const hashes = new Map([...dataGroups].map(([dg, bytes]) => [dg, new Uint8Array(createHash('sha256').update(bytes).digest())]));
  const files = new Map<string, Uint8Array>([
    ['EF.COM', encodeCom([1, 2])],
    ['DG1', dataGroups.get(1)!],
    ['DG2', dataGroups.get(2)!],
    ['EF.SOD', encodeSod({ digestAlgorithm: 'sha256', dataGroups: hashes, signerKey: pki.documentSignerKey, signerCertificateDer: pki.documentSignerCertificate })],
  ]);
  const key = accessKeyFromMrz(lines.join('\n'));
  if (key.kind !== 'MRZ') throw new Error('expected an MRZ key');
  const passport = new VirtualCccd({ files, can: '000000', mrz: key.mrz });
  const doc = await readDocument(new InProcessTransport(passport), key, { extendedLength: false });
  assert.is(doc.accessProtocol, 'BAC');
  assert.is(doc.dg1!.mrz.format, 'TD3');
  assert.is(doc.dg1!.mrz.documentNumber, 'L898902C3');
  assert.is(doc.dg1!.mrz.primaryIdentifier, 'ERIKSSON');
  assert.is(doc.dg13, undefined);
  assert.equal(doc.dg2!.images[0]!.data, photo);
  assert.equal(doc.com!.dataGroups, [1, 2]);
  assert.equal(doc.unread, []);
});

test.run();
