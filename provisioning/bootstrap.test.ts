// bootstrap.sh on a copy of the repo's layout, with `npm` and `dpkg-query` stubbed on PATH: npm ci when the
// lock changed, npm rebuild of the native modules when only Node.js changed, nothing on a second run.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SCRIPT = resolve(import.meta.dirname, 'bootstrap.sh');
const ABI = `${process.versions.modules} ${process.platform}-${process.arch}`;

interface Rig {
  dir: string;
  run(env?: Record<string, string>): { status: number | null; stdout: string; stderr: string; npm: string[] };
  stamp(): string;
}

function rig(): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-bootstrap-'));
  mkdirSync(join(dir, 'provisioning'));
  copyFileSync(SCRIPT, join(dir, 'provisioning', 'bootstrap.sh'));
  writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  const bin = join(dir, 'stub-bin');
  mkdirSync(bin);
  const log = join(dir, 'npm-calls');
  // npm: records its arguments; `npm ci` makes node_modules as the real one would; NPM_FAIL=rebuild fails a rebuild.
  writeFileSync(
    join(bin, 'npm'),
    `#!/bin/sh\necho "$*" >> "${log}"\nif [ "$1" = ci ]; then mkdir -p node_modules/better-sqlite3 node_modules/@pokusew/pcsclite; fi\nif [ "$1" = "\${NPM_FAIL:-}" ]; then echo "gyp ERR! could not download headers" >&2; exit 1; fi\n`,
  );
  writeFileSync(join(bin, 'dpkg-query'), '#!/bin/sh\nprintf "install ok installed"\n');
  chmodSync(join(bin, 'npm'), 0o755);
  chmodSync(join(bin, 'dpkg-query'), 0o755);
  return {
    dir,
    run(env = {}) {
      rmSync(log, { force: true });
      const result = spawnSync('sh', [join(dir, 'provisioning', 'bootstrap.sh'), 'start'], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
      });
      const npm = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      return { status: result.status, stdout: result.stdout, stderr: result.stderr, npm };
    },
    stamp: () => readFileSync(join(dir, 'node_modules', '.xacminh-lock-sha256'), 'utf8'),
  };
}

test('fresh checkout: npm ci, then a stamp of the lock and the Node ABI/platform; a second run does nothing', () => {
  const r = rig();
  try {
    const first = r.run();
    assert.is(first.status, 0, first.stderr);
    assert.equal(first.npm, ['ci --no-audit --no-fund --loglevel=error']);
    assert.match(r.stamp(), new RegExp(`^[0-9a-f]{64}\\n${ABI}\\n$`));
    const second = r.run();
    assert.is(second.status, 0, second.stderr);
    assert.equal(second.npm, []);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('only Node.js changed (stamp from another ABI, or an old stamp without one): npm rebuild of the native modules present, not npm ci', () => {
  const r = rig();
  try {
    r.run();
    const lock = r.stamp().split('\n')[0]!;
    for (const old of [`${lock}\n999 linux-x64\n`, `${lock}\n`]) {
      writeFileSync(join(r.dir, 'node_modules', '.xacminh-lock-sha256'), old);
      const rebuilt = r.run();
      assert.is(rebuilt.status, 0, rebuilt.stderr);
      assert.equal(rebuilt.npm, ['rebuild better-sqlite3 @pokusew/pcsclite --loglevel=error']);
      assert.is(r.stamp(), `${lock}\n${ABI}\n`);
      assert.equal(r.run().npm, [], 'then nothing');
    }
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('a changed package-lock.json is npm ci', () => {
  const r = rig();
  try {
    r.run();
    writeFileSync(join(r.dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
    assert.equal(r.run().npm, ['ci --no-audit --no-fund --loglevel=error']);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('a rebuild that fails (no headers for this Node.js) says what is missing, exits 1 and keeps the old stamp', () => {
  const r = rig();
  try {
    r.run();
    const old = `${r.stamp().split('\n')[0]}\n999 linux-x64\n`;
    writeFileSync(join(r.dir, 'node_modules', '.xacminh-lock-sha256'), old);
    const failed = r.run({ NPM_FAIL: 'rebuild' });
    assert.is(failed.status, 1);
    assert.match(failed.stderr, /could not rebuild better-sqlite3 @pokusew\/pcsclite for Node\.js v[\d.]+/);
    assert.match(failed.stderr, /headers of this Node\.js version.*\n.*npm_config_nodedir/);
    assert.is(r.stamp(), old, 'the next run tries again');
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test.run();
