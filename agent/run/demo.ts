/**
 * The embedded demo's customers: every few seconds a virtual CCCD is laid on the simulated reader, its QR
 * code is "scanned", and someone stands at the simulated camera. The scenarios cycle through what a
 * counter sees: the card holder (verified), someone else with the holder's card (face does not match),
 * a cloned chip (not genuine).
 */
import { makeCardWithFault } from '../../drivers/sim/card-faults.ts';
import { demoFace } from '../../drivers/sim/demo-faces.ts';
import type { SimulatedCccd } from '../../drivers/sim/make-card.ts';
import { portraitFromJpeg } from '../../drivers/sim/portrait.ts';
import type { SimulatedCamera } from '../../drivers/sim/sim-camera.ts';
import { generateTestPki, type TestPki } from '../../drivers/sim/test-pki.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { VerificationSession } from '../session/session.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';

/** generatePersona(5): Nguyễn Thu Hà, born 1994. */
const DEMO_HOLDER_SEED = 5;

export interface DemoScenario {
  title: string;
  card: SimulatedCccd;
  atCamera: Uint8Array;
}

export class DemoCustomers {
  private timer: NodeJS.Timeout | undefined;
  private count = 0;
  /** A customer is being set up (camera render, then card): a tick meanwhile must not bring a second one. */
  private arriving = false;
  scenarios: DemoScenario[] = [];
  private waiting: DemoScenario | undefined;
  private detach: () => void = () => undefined;

  private constructor(readonly pki: TestPki) {}

  /** Builds the demo cards (one test PKI, whose CSCA the agent must trust: `trustAnchor`). */
  static async create(): Promise<DemoCustomers> {
    const demo = new DemoCustomers(await generateTestPki());
    const holder = await demoFace('holder');
    const impostor = await demoFace('impostor');
    const photo = portraitFromJpeg(holder);
    // A made-up holder whose sex and age fit the demo face (the picture shows a young woman).
    const holderCard = { pki: demo.pki, photo, seed: DEMO_HOLDER_SEED };
    const genuine = await makeCardWithFault(undefined, holderCard);
    const cloned = await makeCardWithFault('wrong-ca', holderCard);
    demo.scenarios = [
      { title: 'the card holder presents her own card', card: genuine, atCamera: holder },
      { title: 'someone else presents the holder’s card', card: genuine, atCamera: impostor },
      { title: 'a cloned chip (copied data, no chip key)', card: cloned, atCamera: holder },
    ];
    return demo;
  }

  get trustAnchor(): Uint8Array {
    return this.scenarios[0]!.card.publishedCsca;
  }

  /** Starts the cycle; `onCustomer` is told before each card is laid down. */
  start(parts: { cards: SimulatedCardPort; camera: SimulatedCamera | null; session: VerificationSession }, everyMs: number, onCustomer: (n: number, scenario: DemoScenario) => void): void {
    const next = async () => {
      // The previous customer is still at the counter, or still arriving (short --interval: ticks overlap).
      if (parts.session.busy || this.arriving) return;
      this.arriving = true;
      try {
        const scenario = this.scenarios[this.count % this.scenarios.length]!;
        this.count++;
        onCustomer(this.count, scenario);
        await parts.camera?.show(scenario.atCamera);
        this.waiting = scenario;
        parts.cards.place(scenario.card);
        parts.session.submitAccessKey(qrText(scenario.card));
      } finally {
        this.arriving = false;
      }
    };
    const onDone = (_record: VerificationRecord) => {
      if (this.waiting) parts.cards.lift(); // the customer takes the card back
      this.waiting = undefined;
    };
    parts.session.on('done', onDone);
    this.detach = () => parts.session.off('done', onDone);
    const tick = () => void next().catch(() => undefined);
    this.timer = setInterval(tick, everyMs);
    setTimeout(tick, 500).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.detach();
  }
}

/** The text a QR scanner reads off the front of a CCCD. */
export function qrText(card: SimulatedCccd): string {
  const p = card.persona;
  const compact = (date: string) => date.replaceAll('/', '');
  return [p.idNumber, p.oldIdNumber ?? '', p.fullName, compact(p.dateOfBirth), p.sex, p.placeOfResidence, compact(p.dateOfIssue)].join('|');
}
