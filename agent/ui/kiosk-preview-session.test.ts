// The camera preview against the real VerificationSession, wired as the agent wires it (the tap around the
// session's frames): the kiosk shows the pictures the face step pulls while it runs, and none once it has decided.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../drivers/camera/types.ts';
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { makeCardWithFault } from '../../drivers/sim/card-faults.ts';
import { generateTestPki } from '../../drivers/sim/test-pki.ts';
import type { FaceEvidence, FaceStep, FaceStepOptions } from '../../models/types.ts';
import { parseConfig } from '../config/load.ts';
import { PreviewTap } from '../run/preview.ts';
import { VerificationSession } from '../session/session.ts';
import { SimulatedCardPort } from '../session/sim-card-port.ts';
import { waitUntil } from './kiosk-scenes.ts';
import { drawnFaces } from './kiosk-test-support.ts';
import { startUiServer } from './server.ts';
import { launchChromium } from './test-helpers.ts';

/** A face step that pulls frames, as the real one does, until the test lets it decide. */
class PullingFace implements FaceStep {
  pulled = 0;
  private decide = false;
  release(): void {
    this.decide = true;
  }
  async run(_photo: Uint8Array, frames: AsyncIterable<Frame>, options: FaceStepOptions = {}): Promise<FaceEvidence> {
    options.onGuidance?.({ code: 'look-straight', messageVi: 'Nhìn thẳng vào camera' });
    for await (const _frame of frames) {
      this.pulled++;
      if (this.decide) break; // for-await's break lets go of the frames (return()), as the real step does
    }
    return { decision: 'match', reasons: [], liveness: null, similarity: 0.95, threshold: 0.92, quality: null, model: { name: 'pulling', sha256: '' }, timings: {}, framesSeen: this.pulled };
  }
  async close(): Promise<void> {}
}

test('real session: the preview plays the frames the face step pulls, and stops when the step decides', async () => {
  const pki = await generateTestPki();
  const card = await makeCardWithFault(undefined, { pki });
  const trust = new TrustStore();
  trust.add(card.publishedCsca);
  const pictures = await drawnFaces([640, 600], 480);
  let sequence = 0;
  async function* camera(): AsyncGenerator<Frame> {
    for (;;) {
      const picture = pictures[sequence % 2]!;
      yield { ...picture, timestamp: performance.timeOrigin + performance.now(), sequence: ++sequence };
      await new Promise((resolve) => setTimeout(resolve, 40)); // a 25 fps camera
    }
  }
  const tap = new PreviewTap();
  const face = new PullingFace();
  const cards = new SimulatedCardPort();
  const session = new VerificationSession({
    config: parseConfig({ timeouts: { accessKeyMs: 10_000, resultMs: 60_000 } }),
    cards,
    trust,
    face,
    frames: tap.wrap(camera), // as agent.ts wires it
    record: async () => {},
    log: { info() {}, warn() {}, error() {} },
  });
  session.start();
  const server = await startUiServer({ actions: session, kiosk: { preview: tap } });
  const browser = await launchChromium();
  const health = async () => (await (await fetch(`${server.url}/healthz`)).json()) as { previewClients: number; previewPictures: number };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(server.url);
    await waitUntil(page, `document.body.dataset.state === 'idle'`);
    session.submitAccessKey(card.persona.idNumber);
    cards.place(card);
    await waitUntil(page, `document.body.dataset.state === 'face' && document.getElementById('preview').naturalWidth > 0 && !document.getElementById('preview').hidden`, 'a camera picture in the face step');
    assert.is((await health()).previewClients, 1);

    face.release();
    await waitUntil(page, `document.body.dataset.state === 'result'`);
    assert.is(await page.getAttribute('#preview', 'src'), null, 'the page dropped the stream');
    const end = Date.now() + 5000;
    while ((await health()).previewClients !== 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.is((await health()).previewClients, 0);
    assert.is(tap.active, false, 'the face step let go of the frames');
    assert.is(tap.latest(), undefined, 'no picture kept after the step');
    assert.ok((await health()).previewPictures >= 1);
    assert.equal(problems, []);
  } finally {
    await browser.close();
    await server.close();
    await session.stop();
  }
});

test.run();
