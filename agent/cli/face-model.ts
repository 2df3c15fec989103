/**
 * `xacminh face-model SPEC [--pin]`: for a technician provisioning a site's own face model — pins the SHA-256 of
 * its files into the spec (--pin), then loads and runs the model as the face step will and lists what to fix.
 */
import type { Command } from 'commander';
import { checkModel, pinSpec, type ModelCheck } from '../../models/model-check.ts';
import { processIo, runCommandCli, type CliIo } from './cli-io.ts';

export interface FaceModelOptions {
  pin?: boolean;
  json?: boolean;
}

export function registerFaceModelCommand(program: Command): Command {
  return program
    .command('face-model')
    .description("Check a site-provisioned face model's spec: load and run it as the face step will, and list what to fix")
    .argument('<spec>', 'the model spec JSON (the file XACMINH_FACE_MODEL will name)')
    .option('--pin', "first write the SHA-256 of the model's files into the spec")
    .option('--json', 'print the check as JSON')
    .addHelpText('after', '\nExit status: 0 ready, 3 problems listed, 1 error (the model does not load or run), 2 bad input.')
    .action(async (spec: string, options: FaceModelOptions) => {
      process.exitCode = await faceModelCommand(spec, options);
    });
}

export async function faceModelCommand(spec: string, options: FaceModelOptions, io: CliIo = processIo): Promise<number> {
  if (options.pin) {
    const changed = await pinSpec(spec);
    io.stderr(changed.length ? `Pinned in ${spec}:\n${changed.map((c) => `  ${c}`).join('\n')}\n` : `${spec}: every file already pinned\n`);
  }
  const check = await checkModel(spec);
  io.stdout(options.json ? `${JSON.stringify(check, null, 2)}\n` : formatCheck(check));
  return check.problems.length ? 3 : 0;
}

export function formatCheck(c: ModelCheck): string {
  const lines = [
    `${c.name}: loads (every file matches its SHA-256) and runs — ${c.inputSize}² input, ${c.embeddingSize}-D, ${c.msPerFace.toFixed(0)} ms per face${c.batches ? '' : ', one face per run'}`,
    `  licence: ${c.license}`,
    `  calibration: ${c.calibration.state === 'ok' ? `${c.calibration.path} (threshold ${c.calibration.threshold})` : `${c.calibration.path} — ${c.calibration.state}`}`,
  ];
  lines.push(c.problems.length ? `To fix (${c.problems.length}):\n${c.problems.map((p) => `  - ${p}`).join('\n')}` : 'Ready: start the agent with XACMINH_FACE_MODEL set to this spec.');
  return `${lines.join('\n')}\n`;
}

/** Stand-alone runner for tests: exit codes as main.ts. */
export function runFaceModelCli(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCommandCli(argv, io, (program) => {
    let code = 1;
    registerFaceModelCommand(program).action(async (spec: string, options: FaceModelOptions) => {
      code = await faceModelCommand(spec, options, io);
    });
    return () => code;
  });
}
