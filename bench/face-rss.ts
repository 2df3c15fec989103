/**
 * bench/face-rss: the memory of the face step alone, in a clean process (bench/face's own figures include its
 * 300 JPEGs and its compositing). Loads the face step as the agent does, then runs N steps of a chip photo
 * against a 10-frame 1280×720 clip (liveness off so every frame is processed, 3 frames embedded).
 *
 *   node --import tsx bench/face-rss.ts [--steps 5]          (try also with MALLOC_ARENA_MAX=2 in the environment)
 */
import { parseArgs } from 'node:util';
import { LocalFaceStep } from '../models/face-step.ts';
import { faceJpeg, framesOf, placedFaceJpeg } from '../models/test-faces.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '5' } } });
const steps = Number(values.steps);
const mb = () => Math.round(process.memoryUsage().rss / 1e6);
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1e6);
const figures: string[] = [`after imports ${mb()}`];
const step = await LocalFaceStep.create({ liveness: false, framesWithoutLiveness: 10 });
figures.push(`after load ${mb()}`);
const people = ['Ari_Fleischer', 'Aicha_El_Ouafi'];
let peak = 0;
for (let i = 0; i < steps; i++) {
  const person = people[i % people.length]!;
  const photo = await faceJpeg(`${person}_0001.jpg`);
  const clip = await Promise.all(Array.from({ length: 10 }, (_, k) => placedFaceJpeg(`${person}_0002.jpg`, 320, 1280, 720, 480 + k, 200 + (k % 3))));
  const evidence = await step.run(photo, framesOf(clip));
  if (evidence.decision !== 'match') console.error(`step ${i + 1}: ${evidence.decision} (expected match)`);
  peak = Math.max(peak, mb());
  if (i === 0) figures.push(`after the first step ${mb()}`);
}
figures.push(`after ${steps} steps ${mb()} (peak ${peak}); V8 heap used ${heapMb()}`);
console.log(`face step RSS MB, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}: ${figures.join(' · ')}`);
await step.close();
