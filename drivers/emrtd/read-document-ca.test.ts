// Chip Authentication protects every file read after DG14, even when the chip refuses a file in between and the
// channel has to be opened again (a clone knows the BAC/PACE keys, never the CA key).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InProcessTransport } from '../sim/in-process-transport.ts';
import { makeVirtualCccd } from '../sim/make-card.ts';
import { portraitFromJpeg } from '../sim/portrait.ts';
import { lfwFace } from '../sim/shared-data.ts';
import { generateTestPki } from '../sim/test-pki.ts';
import type { VirtualCardBehaviour } from '../sim/virtual-cccd.ts';
import { accessKeyFromIdNumber } from './access-key.ts';
import { readDocument } from './read-document.ts';

const pki = await generateTestPki();
const photo = portraitFromJpeg(lfwFace(4).bytes);

async function read(behaviour: VirtualCardBehaviour, dataGroups: number[]) {
  const sim = await makeVirtualCccd({ seed: 33, photo, pki, behaviour });
  const doc = await readDocument(new InProcessTransport(sim.card), accessKeyFromIdNumber(sim.persona.idNumber), { dataGroups });
  return { doc, reads: sim.card.fileReads };
}

/** Every READ BINARY after DG14's (each chunk of each file), with the keys of the channel it was read under. */
function afterDg14(reads: { file: string; keys: string }[]): { file: string; keys: string }[] {
  const first = reads.findIndex((r) => r.file === 'DG14');
  return reads.slice(first).filter((r) => r.file !== 'DG14');
}

const filesOf = (reads: { file: string }[]) => [...new Set(reads.map((r) => r.file))];

test('a file the chip refuses after CA (DG13): the files after it are still read under the CA keys', async () => {
  const { doc, reads } = await read({ refusedFiles: ['DG3', 'DG13'] }, [1, 2, 13, 14, 15]);
  assert.equal(doc.unread.map((u) => u.file), ['DG13']);
  assert.ok(doc.chipAuthentication?.ok, doc.chipAuthentication?.reason);
  const later = afterDg14(reads);
  assert.equal(filesOf(later), ['DG1', 'DG2', 'DG15', 'EF.SOD']);
  assert.equal(later.filter((r) => r.keys !== 'chip-authentication'), [], 'every chunk of every file after DG14 under the CA keys');
});

test('a file the chip lacks after CA (DG11): the same', async () => {
  const { doc, reads } = await read({}, [1, 2, 11, 13, 14, 15]);
  assert.equal(doc.unread.map((u) => [u.file, u.code]), [['DG11', 'FILE_NOT_FOUND']]);
  assert.ok(doc.chipAuthentication?.ok);
  const later = afterDg14(reads);
  assert.equal(filesOf(later), ['DG1', 'DG2', 'DG13', 'DG15', 'EF.SOD']);
  assert.equal(later.filter((r) => r.keys !== 'chip-authentication'), []);
});

test('a chip without CA: nothing to repeat, every file under the access keys', async () => {
  const { doc, reads } = await read({ refusedFiles: ['DG3', 'DG13'], chipAuthentication: 'absent' }, [1, 2, 13, 14, 15]);
  assert.is(doc.chipAuthentication?.ok, false);
  assert.equal(reads.filter((r) => r.keys !== 'access'), []);
});

test.run();
