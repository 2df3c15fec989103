/**
 * `xacminh register verifier-page --out FILE`: writes the one-file verification page, which an inspector
 * opens in any browser (no network, no toolchain) to check an export against the terminal's key.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { XacminhError } from '../../drivers/errors.ts';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { verifierPageHtml } from '../register/verifier-page/html.ts';
import { processIo, runCommandCli, type CliIo } from './cli-io.ts';

export interface VerifierPageCliOptions {
  out: string;
}

export async function verifierPageCommand(o: VerifierPageCliOptions, io: CliIo = processIo): Promise<number> {
  if (statSync(o.out, { throwIfNoEntry: false })?.isDirectory()) {
    throw new XacminhError('INVALID_INPUT', `--out ${o.out} là một thư mục: hãy cho tên tệp, ví dụ ${o.out}/kiem-tra-ban-xuat.html (--out is a folder: give a file name)`, { field: 'out' });
  }
  const html = await verifierPageHtml();
  // 0644: the page holds no secret and no personal data; the inspector copies it to a laptop.
  writeFileAtomicSync(o.out, html, 0o644);
  const sha256 = createHash('sha256').update(html, 'utf8').digest('hex');
  io.stdout(
    `Đã ghi trang kiểm tra bản xuất: ${o.out} (${Math.ceil(Buffer.byteLength(html) / 1024)} KB, SHA-256 ${sha256}). Mở bằng trình duyệt bất kỳ; trang không dùng mạng.\n` +
      `  Wrote the export verifier page: open it in any browser; it makes no network request.\n`,
  );
  return 0;
}

/** Adds `verifier-page` under the program's `register` command (main.ts: after registerRegisterCommand). */
export function addVerifierPageCommand(program: Command, io: CliIo = processIo, onExit: (code: number) => void = (code) => (process.exitCode = code)): Command {
  const register = program.commands.find((c) => c.name() === 'register') ?? program.command('register');
  return register
    .command('verifier-page')
    .description('Write the one-file export verification page (HTML, works offline in any browser) for inspectors')
    .requiredOption('--out <file>', 'the HTML file to write')
    .action(async (o: VerifierPageCliOptions) => onExit(await verifierPageCommand(o, io)));
}

/** Stand-alone runner (tests): argv without node and script, e.g. ['register', 'verifier-page', '--out', 'x.html']. */
export function runVerifierPageCli(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCommandCli(argv, io, (program) => {
    let code = 0;
    addVerifierPageCommand(program, io, (exit) => (code = exit));
    return () => code;
  });
}
