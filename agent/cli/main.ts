/** Entry point of the `xacminh` command. */
import { Command, Option } from 'commander';
import { CARD_FAULTS } from '../../drivers/sim/card-faults.ts';
import { demoIdNumber } from '../../drivers/sim/make-card.ts';
import { registerEnrolServiceCommand } from './enrol-service.ts';
import { formatCliError } from './error-report.ts';
import { registerFaceCalibrateCommand } from './face-calibrate.ts';
import { registerFaceModelCommand } from './face-model.ts';
import { registerInstallServiceCommand } from './install-service.ts';
import { faceMatchCommand, registerFaceMatchCommand, type FaceMatchOptions } from './face-match.ts';
import { registerProvisionCommand } from './provision.ts';
import { readCardCommand, type ReadCardOptions } from './read-card.ts';
import { registerRegisterCommand } from './register.ts';
import { registerSelfTestCommand } from './self-test.ts';
import { startCommand, type StartOptions } from './start.ts';

const program = new Command('xacminh')
  .description('Identity-verification terminal: reads chip ID cards (CCCD) and ICAO ePassports')
  .showHelpAfterError();

program
  .command('read-card')
  .description('Read a chip ID card or ePassport and print its data (Vietnamese labels) or JSON')
  .option('--id <number>', '12-digit ID number (số định danh); its last 6 digits are the CAN for PACE')
  .option('--can <digits>', '6-digit card access number')
  .option('--qr <text>', 'text of the QR code on the front of the CCCD')
  .option('--mrz <text>', 'MRZ lines from the back of the card (TD1) or the passport (TD3)')
  .option('--doc <number>', 'document number (BAC, with --dob and --expiry)')
  .option('--dob <date>', 'date of birth, DD/MM/YYYY or YYMMDD')
  .option('--expiry <date>', 'date of expiry, DD/MM/YYYY or YYMMDD')
  .option('--reader <name>', 'PC/SC reader name (or part of it); default: the first reader with a card')
  .option('--out <dir>', 'folder for the photo (default ./card-<id>)')
  .option('--trust <dir>', 'folder of trusted CSCA certificates, ICAO master lists (.ml) and CRLs (.crl) for the authenticity check')
  .option('--trust-pin <sha256>', 'SHA-256 of a master list signer (or a CSCA it chains to) whose lists --trust may import; repeatable', (pin: string, pins: string[]) => [...pins, pin], [] as string[])
  .option('--json', 'print JSON instead of text')
  .option('--read-size <n>', 'bytes per READ BINARY: auto, extended, or a number such as 223', 'auto')
  .option('--wait <seconds>', 'how long to wait for a reader and a card', '15')
  .addOption(
    new Option('--sim [via]', `use the virtual CCCD instead of a reader (ID number ${demoIdNumber()}); --sim pcscd attaches it to pcscd through vpcd`).choices([
      'inprocess',
      'pcscd',
    ]),
  )
  .addOption(
    new Option('--sim-fault <fault>', `make the virtual card misbehave: ${Object.entries(CARD_FAULTS).map(([name, what]) => `${name} (${what})`).join('; ')}`).choices(
      Object.keys(CARD_FAULTS),
    ),
  )
  .addHelpText('after', '\nExit status: 0 the chip is genuine, 3 not genuine or cannot tell (reasons printed), 1 the card could not be read, 2 bad input.')
  .action(async (options: ReadCardOptions) => {
    process.exitCode = await readCardCommand(options);
  });

program
  .command('start')
  .description('Run the terminal as <data-dir>/site.json configures it. With no --data-dir and no --config (or --demo): the embedded demo (simulated reader, card and camera, in-process broker)')
  .option('--data-dir <dir>', 'data dir: keys, site.json, trust/, register.db (default $XACMINH_DATA_DIR, else ./.data)')
  .option('--config <file>', 'site config (default <data-dir>/site.json)')
  .option('--demo', 'run the embedded demo in this data dir (refused in one that has run a site config)')
  .option('--interval <seconds>', 'demo: seconds between simulated customers')
  .option('--count <n>', 'stop after n verifications (default: run until Ctrl-C)')
  .option('--verbose', 'log every step (JSON lines on stderr)')
  .action(async (options: StartOptions) => {
    process.exitCode = await startCommand(options);
  });

registerRegisterCommand(program);
registerProvisionCommand(program);
registerSelfTestCommand(program);
registerFaceCalibrateCommand(program);
registerFaceModelCommand(program);
registerEnrolServiceCommand(program);
registerInstallServiceCommand(program);

registerFaceMatchCommand(program).action(async (options: FaceMatchOptions) => {
  process.exitCode = await faceMatchCommand(options);
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
// The pcsclite binding keeps a monitoring thread that holds the event loop open after close():
// once the command is done and its output flushed, leave.
process.stdout.write('', () => setTimeout(() => process.exit(), 50).unref());

function reportError(error: unknown): number {
  const { text, exitCode } = formatCliError(error);
  process.stderr.write(`\n${text}`);
  return exitCode;
}
