/**
 * A native module (.node file) that cannot load is an installation problem, not a fault of what it serves:
 * better-sqlite3 built for Node 20 under Node 24 must not be reported as a full or damaged register.
 */
import { XacminhError } from './errors.ts';

const NOT_LOADABLE = [/NODE_MODULE_VERSION/, /was compiled against a different Node\.js version/, /invalid ELF header/, /wrong ELF class/, /cannot open shared object file/, /undefined symbol/];

/** The NATIVE_MODULE error for a failure to load a native module, or undefined when `error` is something else. */
export function nativeModuleError(error: unknown, fallbackName: string): XacminhError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (code !== 'ERR_DLOPEN_FAILED' && !NOT_LOADABLE.some((shape) => shape.test(message))) return undefined;
  const name = moduleName(message) ?? fallbackName;
  // The addon is fine but a system library it links against is missing: rebuilding would not help.
  const library = /(lib[\w.+-]*\.so[\w.]*): cannot open shared object file/.exec(message)?.[1];
  if (library) {
    return new XacminhError(
      'NATIVE_MODULE',
      `${name} needs the system library ${library}, which is not installed. Run \`sh provisioning/bootstrap.sh start\` as root (it installs the terminal's Debian packages${library.startsWith('libpcsclite') ? ': pcscd and libpcsclite1' : ''})`,
      { module: name, library, abi: process.versions.modules, node: process.version, detail: message },
      { cause: error },
    );
  }
  const builtFor = /NODE_MODULE_VERSION (\d+)/.exec(message)?.[1];
  const here = `Node.js ${process.version}, ABI ${process.versions.modules}, ${process.platform}-${process.arch}`;
  const what = builtFor ? `was built for another Node.js (ABI ${builtFor}; this is ${here})` : `cannot be loaded by this Node.js (${here}): ${firstLine(message)}`;
  return new XacminhError(
    'NATIVE_MODULE',
    `${name} ${what}. Run \`sh provisioning/bootstrap.sh start\` (or \`npm rebuild ${name}\`) with the Node.js that runs the agent`,
    { module: name, builtForAbi: builtFor ?? null, abi: process.versions.modules, node: process.version, detail: message },
    { cause: error },
  );
}

/** The package a .node path belongs to: the last node_modules/<name> or node_modules/@scope/<name>. */
function moduleName(message: string): string | undefined {
  const names = [...message.matchAll(/node_modules\/((?:@[^/\s]+\/)?[^/\s]+)/g)].map((m) => m[1]!);
  return names.at(-1);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
