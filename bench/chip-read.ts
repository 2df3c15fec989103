/**
 * bench/chip-read: full read of the virtual CCCD through the real pcscd + vpcd path (and in process as a
 * baseline) for each read size: APDUs, bytes, seconds, and our APDU count against the minimum for that size.
 *   node --import tsx bench/chip-read.ts [--runs N]
 */
import { accessKeyFromIdNumber } from '../drivers/emrtd/access-key.ts';
import { readDocument, type ChipDocument, type ReadOptions } from '../drivers/emrtd/read-document.ts';
import { PcscContext } from '../drivers/pcsc/context.ts';
import { InProcessTransport } from '../drivers/sim/in-process-transport.ts';
import { makeVirtualCccd } from '../drivers/sim/make-card.ts';
import { ensurePcscdWithVpcd } from '../drivers/sim/pcscd-harness.ts';
import { portraitFromJpeg } from '../drivers/sim/portrait.ts';
import { lfwFace } from '../drivers/sim/shared-data.ts';
import { VpcdBridge } from '../drivers/sim/vpcd.ts';
import type { ApduTransport } from '../drivers/apdu.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
// The read alone: Active Authentication is measured by bench/authenticity.ts.
const sizes: [string, ReadOptions, number][] = [
  ['223', { extendedLength: false, activeAuthentication: false }, 223],
  ['256', { extendedLength: true, maxReadSize: 256, activeAuthentication: false }, 256],
  ['extended', { extendedLength: true, activeAuthentication: false }, 0xff00],
];
/** PACE: EF.CardAccess SELECT + READ, MSE:Set AT, four GENERAL AUTHENTICATE, SELECT application. */
const ACCESS_APDUS = 2 + 1 + 4 + 1;

const sim = await makeVirtualCccd({ photo: portraitFromJpeg(lfwFace(0).bytes) });
const key = accessKeyFromIdNumber(sim.persona.idNumber);
const readFiles = ['EF.COM', 'DG1', 'DG2', 'DG13', 'DG14', 'DG15', 'EF.SOD'];

function minimumApdus(readSize: number): number {
  // One READ BINARY per block; the first block of each file also selects it (SFI).
  return ACCESS_APDUS + readFiles.reduce((sum, name) => sum + Math.ceil(sim.built.files.get(name)!.length / readSize), 0);
}

async function measure(label: string, transport: ApduTransport, options: ReadOptions, readSize: number): Promise<string> {
  const seconds: number[] = [];
  let last: ChipDocument | undefined;
  for (let i = 0; i < runs; i++) {
    sim.card.reset();
    const started = performance.now();
    last = await readDocument(transport, key, options);
    seconds.push((performance.now() - started) / 1000);
  }
  seconds.sort((a, b) => a - b);
  const s = last!.stats;
  const min = minimumApdus(readSize);
  const median = seconds[Math.floor(seconds.length / 2)]!;
  return `| ${label} | ${readSize} | ${s.apdus} | ${min} | ${(s.apdus / min).toFixed(2)} | ${s.bytesSent} | ${s.bytesReceived} | ${median.toFixed(3)} |`;
}

const bytes = readFiles.map((n) => `${n} ${sim.built.files.get(n)!.length} B`).join(', ');
console.log(`Virtual CCCD files: ${bytes}; ${runs} runs each, median time`);
console.log('| path | read size | APDUs | minimum | ratio | bytes sent | bytes received | seconds |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [, options, readSize] of sizes) {
  console.log(await measure('in process', new InProcessTransport(sim.card), options, readSize));
}
const harness = await ensurePcscdWithVpcd();
const bridge = new VpcdBridge(sim.card, { port: harness.port });
await bridge.insert();
const context = await PcscContext.open();
try {
  const { reader } = await context.waitForCard(harness.readerName, { timeoutMs: 5000 });
  const transport = await context.connect(reader);
  for (const [, options, readSize] of sizes) console.log(await measure('pcscd + vpcd', transport, options, readSize));
  await transport.disconnect();
} finally {
  context.close();
  await bridge.remove();
  await harness.stop();
}
// pcsclite's monitoring thread keeps the process alive after close().
process.exit(0);
