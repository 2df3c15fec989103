// Chips that refuse READ BINARY by short file identifier: the read falls back to SELECT by FID once, and a
// file the chip really lacks is still reported absent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InProcessTransport } from '../sim/in-process-transport.ts';
import { makeVirtualCccd, type SimulatedCccd } from '../sim/make-card.ts';
import { portraitFromJpeg } from '../sim/portrait.ts';
import { lfwFace } from '../sim/shared-data.ts';
import { generateTestPki } from '../sim/test-pki.ts';
import type { VirtualCardBehaviour } from '../sim/virtual-cccd.ts';
import { accessKeyFromIdNumber } from './access-key.ts';
import { readDocument } from './read-document.ts';

const pki = await generateTestPki();
const photo = portraitFromJpeg(lfwFace(3).bytes);

/** Counts READ BINARY commands that address the file by SFI (P1 bit 8 set; SM leaves the header readable). */
class CountingTransport extends InProcessTransport {
  sfiReads = 0;
  override transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    if (apdu[1] === 0xb0 && (apdu[2]! & 0x80) !== 0) this.sfiReads++;
    return super.transmit(apdu, options);
  }
}

async function readCard(behaviour: VirtualCardBehaviour): Promise<{ sim: SimulatedCccd; transport: CountingTransport; doc: Awaited<ReturnType<typeof readDocument>> }> {
  const sim = await makeVirtualCccd({ seed: 21, photo, pki, behaviour });
  const transport = new CountingTransport(sim.card);
  // DG11 is not on a CCCD: asking for it checks that absence still reads as absence.
  const doc = await readDocument(transport, accessKeyFromIdNumber(sim.persona.idNumber), { dataGroups: [1, 2, 11, 13, 14, 15] });
  return { sim, transport, doc };
}

function assertEveryFileRead(sim: SimulatedCccd, doc: Awaited<ReturnType<typeof readDocument>>): void {
  for (const [name, bytes] of sim.built.files) {
    if (name === 'DG3') continue; // behind EAC, not asked for
    assert.equal(doc.files.get(name), bytes, `${name} raw bytes`);
  }
  assert.equal(doc.unread.map((u) => [u.file, u.code]), [['DG11', 'FILE_NOT_FOUND']]);
}

for (const sw of [0x6a82, 0x6a86, 0x6981, 0x6d00, 0x6e00]) {
  const label = sw.toString(16).toUpperCase();
  test(`a chip that answers ${label} to SFI reads: read whole by SELECT, SFI tried once, DG11 still absent`, async () => {
    const { sim, transport, doc } = await readCard({ sfi: false, sfiRefusal: sw });
    assertEveryFileRead(sim, doc);
    assert.is(doc.stats.useSfi, false);
    assert.is(transport.sfiReads, 1, `SFI reads after the ${label} refusal`);
    assert.ok(doc.chipAuthentication?.ok && doc.activeAuthentication?.ok, 'CA and AA still run');
  });
}

test('a chip with SFI that lacks a file: the file is absent, and SFI stays in use for the others', async () => {
  const { sim, transport, doc } = await readCard({});
  assertEveryFileRead(sim, doc);
  assert.is(doc.stats.useSfi, true);
  // One SFI read per file: EF.COM, DG14, DG1, DG2, DG11 (6A82, then SELECT: 6A82), DG13, DG15, EF.SOD.
  assert.is(transport.sfiReads, 8);
});

test.run();
