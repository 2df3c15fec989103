// The real VerificationSession (simulated CCCD, a scripted face step) behind the UI server: the result's chip
// photo (the card's DG2) and best live frame reach the operator's picture routes, and nothing of them the kiosk's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import type { Frame } from '../../drivers/camera/types.ts';
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { makeCardWithFault } from '../../drivers/sim/card-faults.ts';
import { generateTestPki } from '../../drivers/sim/test-pki.ts';
import type { FaceEvidence, FaceStep } from '../../models/types.ts';
import { parseConfig } from '../config/load.ts';
import { VerificationSession } from '../session/session.ts';
import { SimulatedCardPort } from '../session/sim-card-port.ts';
import { frameJpeg } from './operator-test-support.ts';
import type { OperatorRecord } from './operator-view.ts';
import { startUiServer } from './server.ts';
import { openEvents } from './test-helpers.ts';

const pki = await generateTestPki();
const card = await makeCardWithFault(undefined, { pki });

/** A face step that matches at once and hands back a frame, as the engine does with its best one. */
class MatchingFace implements FaceStep {
  photo: Uint8Array | undefined;
  constructor(private readonly frame: Uint8Array) {}
  async run(photo: Uint8Array, _frames: AsyncIterable<Frame>): Promise<FaceEvidence> {
    this.photo = photo;
    return { decision: 'match', reasons: [], liveness: null, similarity: 0.95, threshold: 0.5, quality: null, model: { name: 'scripted', sha256: '' }, timings: {}, framesSeen: 3, bestFrameJpeg: this.frame };
  }
  async close(): Promise<void> {}
}

test('a real verification: the operator gets the chip photo and the best frame; /events carries neither', async () => {
  const frame = await frameJpeg();
  const cards = new SimulatedCardPort();
  const trust = new TrustStore();
  trust.add(card.publishedCsca);
  const face = new MatchingFace(frame);
  const session = new VerificationSession({
    config: parseConfig({ timeouts: { accessKeyMs: 10_000, resultMs: 60_000 } }),
    cards,
    trust,
    face,
    frames: () => (async function* () {})(),
    record: async () => {},
    log: { info() {}, warn() {}, error() {} },
  });
  session.start();
  const server = await startUiServer({ actions: session });
  const kiosk = await openEvents(server.url);
  const operator = await openEvents(`${server.url}/operator`);
  try {
    session.submitAccessKey(card.persona.idNumber);
    cards.place(card);
    const history = (await operator.nth('history', 1, 15_000)).data as OperatorRecord[];
    const row = history[0]!;
    assert.is(row.decision, 'verified');
    assert.equal(row.photos, { chip: `/operator/photo/${row.id}/chip`, frame: `/operator/photo/${row.id}/frame` });

    const chip = await fetch(server.url + row.photos.chip!);
    assert.is(chip.status, 200);
    const shown = Buffer.from(await chip.arrayBuffer());
    const [served, original] = await Promise.all([sharp(shown).metadata(), sharp(Buffer.from(face.photo!)).metadata()]);
    assert.equal([served.format, served.width, served.height], ['jpeg', original.width, original.height], 'the photo the face step compared, as JPEG');
    assert.equal(new Uint8Array(await (await fetch(server.url + row.photos.frame!)).arrayBuffer()), frame);
    assert.not.ok(JSON.stringify(kiosk.events).includes('photo'), 'the kiosk stream names no picture');
  } finally {
    await kiosk.close();
    await operator.close();
    await server.close();
    await session.stop();
  }
});

test.run();
