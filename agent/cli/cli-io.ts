/**
 * What the stand-alone command runners share: where output goes, and how errors become exit codes
 * (the same as main.ts: 0 done, 2 bad input, 1 any other error).
 */
import { Command, CommanderError } from 'commander';
import { isXacminhError } from '../../drivers/errors.ts';
import { OPERATOR_MESSAGES } from '../labels.ts';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: CliIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/**
 * Runs one subcommand as its own program (tests, scripts) on argv without node and script. `attach` adds the
 * command to the program and returns how to read the exit code its action settled on.
 */
export async function runCommandCli(argv: string[], io: CliIo, attach: (program: Command) => () => number): Promise<number> {
  const program = new Command('xacminh').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const exitCode = attach(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (isXacminhError(error)) {
      io.stderr(`Lỗi: ${OPERATOR_MESSAGES[error.code] ? `${OPERATOR_MESSAGES[error.code]} ` : ''}${error.message} [${error.code}]\n`);
      return error.code === 'INVALID_INPUT' ? 2 : 1;
    }
    io.stderr(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
