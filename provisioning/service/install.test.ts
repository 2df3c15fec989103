// install-service staged under --root from a small built checkout made here: the app is copied, pruned of dev
// dependencies and swapped in; native modules are rebuilt (a real `npm rebuild`) only for another ABI; a
// second run upgrades the app and keeps every data dir file byte for byte, except the migrated site.json.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { nodeVersionNotice } from '../../agent/cli/install-service.ts';
import { CONFIG_VERSION } from '../../agent/config/schema.ts';
import { NATIVE_MODULES, sqliteReplacementFor, stageApp } from './app-install.ts';
import { ensureNode24 } from '../node24.ts';
import { SQLITE_FOR_NODE24 } from '../node24-modules.ts';
import { installService, type SiteConfigFileMigrator } from './install.ts';
import { renderPolkitRule } from './polkit.ts';
import { renderServiceUnit } from './unit.ts';

const ABI = `${process.versions.modules} ${process.platform}-${process.arch}`;
const BIN = resolve(import.meta.dirname, '../../agent/bin/xacminh.js');

function write(path: string, text: string, mode = 0o644): void {
  fs.mkdirSync(dirname(path), { recursive: true });
  fs.writeFileSync(path, text, { mode });
  fs.chmodSync(path, mode);
}

/** A checkout as `npm ci && npm run build` leaves it, in miniature. `better-sqlite3` stands in for a native module. */
function makeCheckout(dir: string, options: { abi?: string; buildScript?: boolean; dist?: string } = {}): void {
  const manifest = {
    name: 'xacminh',
    version: '0.1.0',
    type: 'module',
    dependencies: { 'better-sqlite3': '1.0.0' },
    devDependencies: { devtool: '1.0.0' },
    ...(options.buildScript ? { scripts: { build: `node -e "require('fs').mkdirSync('dist/agent/cli',{recursive:true});require('fs').writeFileSync('dist/agent/cli/main.js','built')"` } } : {}),
  };
  write(join(dir, 'package.json'), JSON.stringify(manifest));
  const lock = {
    name: 'xacminh', version: '0.1.0', lockfileVersion: 3, requires: true,
    packages: { '': { name: 'xacminh', version: '0.1.0', dependencies: manifest.dependencies, devDependencies: manifest.devDependencies }, 'node_modules/better-sqlite3': { version: '1.0.0', hasInstallScript: true }, 'node_modules/devtool': { version: '1.0.0', dev: true } },
  };
  write(join(dir, 'package-lock.json'), JSON.stringify(lock));
  // Its "build" records which Node.js ran it: what node-gyp would build for.
  write(join(dir, 'node_modules/better-sqlite3/package.json'), JSON.stringify({ name: 'better-sqlite3', version: '1.0.0', scripts: { install: `node -e "require('fs').writeFileSync('built-for', process.versions.modules)"` } }));
  write(join(dir, 'node_modules/devtool/package.json'), JSON.stringify({ name: 'devtool', version: '1.0.0' }));
  write(join(dir, 'node_modules/.xacminh-lock-sha256'), `lock-sha\n${options.abi ?? ABI}\n`);
  write(join(dir, 'agent/cli/main.ts'), 'export {};\n');
  const old = new Date(Date.now() - 3_600_000);
  fs.utimesSync(join(dir, 'agent/cli/main.ts'), old, old);
  if (options.dist !== undefined) write(join(dir, 'dist/agent/cli/main.js'), options.dist);
}

/** What provisioning left in the data dir (a register with its outbox, the identity key, the site config). */
function makeDataDir(dataDir: string): void {
  write(join(dataDir, 'register.db'), 'SQLite format 3\0 stands in for entries and outbox', 0o600);
  write(join(dataDir, 'register.db-wal'), 'wal frames', 0o600);
  write(join(dataDir, 'identity/device-key.pem'), '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n', 0o644);
  write(join(dataDir, 'trust/csca.pem'), 'csca', 0o644);
  write(join(dataDir, 'site.json'), JSON.stringify({ version: 1, siteId: 'hcm-q1' }), 0o600);
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string) => {
    for (const name of fs.readdirSync(path)) {
      const full = join(path, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else out.set(relative(dir, full), createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** Stands in for agent/config/migrate.ts's migrateSiteConfigFile: version 1 → 2, the original kept as a backup. */
const migrateToV2: SiteConfigFileMigrator = (path) => {
  if (!fs.existsSync(path)) return undefined;
  const config = JSON.parse(fs.readFileSync(path, 'utf8')) as { version: number };
  if (config.version >= 2) return { from: config.version, to: 2, changed: false };
  fs.copyFileSync(path, `${path}.v1.bak`);
  fs.writeFileSync(path, JSON.stringify({ ...config, version: 2, retentionDays: 90 }));
  return { from: 1, to: 2, changed: true, backup: `${path}.v1.bak` };
};

function withDirs(run: (dirs: { checkout: string; root: string }) => Promise<void>): () => Promise<void> {
  return async () => {
    const base = fs.mkdtempSync(join(tmpdir(), 'xacminh-install-'));
    try {
      await run({ checkout: join(base, 'checkout'), root: join(base, 'root') });
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  };
}

test(
  'install, then upgrade in place: the app is swapped, the data dir kept byte for byte except the migrated site.json',
  withDirs(async ({ checkout, root }) => {
    makeCheckout(checkout, { dist: 'v1' });
    write(join(checkout, 'dist/agent/old-only.js'), 'gone in v2');
    const dataDir = join(root, 'var/lib/xacminh');
    makeDataDir(dataDir);
    // An image's /etc: the real useradd (--prefix) adds the service user there, in the device groups that exist.
    write(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    write(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', 0o640);
    write(join(root, 'etc/group'), 'root:x:0:\nvideo:x:44:\ndialout:x:20:\n');
    write(join(root, 'etc/gshadow'), 'root:*::\nvideo:!::\ndialout:!::\n', 0o640);
    const before = snapshot(dataDir);
    const lines: string[] = [];
    const first = await installService({ sourceDir: checkout, root, migrate: migrateToV2, say: (line) => lines.push(line) });

    const app = join(root, 'opt/xacminh/app');
    assert.is(first.appDir, app);
    assert.is(fs.readFileSync(join(app, 'dist/agent/cli/main.js'), 'utf8'), 'v1');
    assert.ok(fs.existsSync(join(app, 'package-lock.json')));
    assert.ok(fs.existsSync(join(app, 'node_modules/better-sqlite3/package.json')));
    assert.not.ok(fs.existsSync(join(app, 'node_modules/devtool')), 'dev dependencies pruned');
    assert.equal(first.rebuilt, [], 'same ABI: nothing rebuilt');
    assert.not.ok(fs.existsSync(join(app, 'node_modules/better-sqlite3/built-for')));
    assert.equal(fs.readdirSync(join(root, 'opt/xacminh')), ['app'], 'no app.new or app.old left');
    assert.is(fs.readFileSync(join(root, 'etc/systemd/system/xacminh.service'), 'utf8'), renderServiceUnit({ nodePath: process.execPath, supplementaryGroups: ['video', 'dialout'] }));
    assert.is(fs.readFileSync(join(root, 'etc/polkit-1/rules.d/50-xacminh-pcscd.rules'), 'utf8'), renderPolkitRule());
    assert.is(first.siteConfig, 'migrated');
    assert.equal(JSON.parse(fs.readFileSync(join(dataDir, 'site.json'), 'utf8')), { version: 2, siteId: 'hcm-q1', retentionDays: 90 });
    assert.is(first.started, false);
    assert.ok(lines.some((line) => /systemctl not run/.test(line)), lines.join('\n'));
    // Secured for the service user: 0700, key 0600, owned by xacminh throughout.
    assert.is(fs.statSync(dataDir).mode & 0o777, 0o700);
    assert.is(fs.statSync(join(dataDir, 'identity/device-key.pem')).mode & 0o777, 0o600);
    const user = fs.readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((line) => line.startsWith('xacminh:'))?.split(':');
    assert.ok(user, 'xacminh created');
    assert.equal([user![5], user![6]], ['/var/lib/xacminh', '/usr/sbin/nologin']);
    assert.match(fs.readFileSync(join(root, 'etc/group'), 'utf8'), /^video:x:44:xacminh$/m);
    assert.match(fs.readFileSync(join(root, 'etc/group'), 'utf8'), /^dialout:x:20:xacminh$/m);
    for (const file of ['.', 'register.db', 'identity', 'identity/device-key.pem', 'trust/csca.pem']) {
      const stat = fs.statSync(join(dataDir, file));
      assert.equal([stat.uid, stat.gid], [Number(user![2]), Number(user![3])], file);
    }
    const etc = snapshot(join(root, 'etc'));

    // The upgrade: a new build of the app.
    fs.rmSync(join(checkout, 'dist/agent/old-only.js'));
    write(join(checkout, 'dist/agent/cli/main.js'), 'v2');
    const afterFirst = snapshot(dataDir);
    const second = await installService({ sourceDir: checkout, root, migrate: migrateToV2, say: () => {} });
    assert.is(fs.readFileSync(join(app, 'dist/agent/cli/main.js'), 'utf8'), 'v2');
    assert.not.ok(fs.existsSync(join(app, 'dist/agent/old-only.js')), 'the old app is replaced, not overlaid');
    assert.is(second.siteConfig, 'current');
    const etcAfter = snapshot(join(root, 'etc'));
    for (const file of ['passwd', 'group', 'systemd/system/xacminh.service']) assert.is(etcAfter.get(file), etc.get(file), `${file} unchanged by the second run`);
    assert.equal(snapshot(dataDir), afterFirst, 'the second install changed nothing in the data dir');
    for (const [file, hash] of before) if (file !== 'site.json') assert.is(afterFirst.get(file), hash, `${file} kept byte for byte`);
    assert.equal([...afterFirst.keys()].filter((file) => !before.has(file)), ['site.json.v1.bak'], 'nothing added but the backup of the old site config');
    assert.is.not(afterFirst.get('site.json'), before.get('site.json'));
  }),
);

test(
  'node_modules built for another ABI: the native modules are rebuilt with the Node.js that runs the service, and the stamp says so',
  withDirs(async ({ checkout, root }) => {
    makeCheckout(checkout, { dist: 'v1', abi: `108 ${process.platform}-${process.arch}` });
    const result = await installService({ sourceDir: checkout, root, nodePath: process.execPath, say: () => {} });
    const app = join(root, 'opt/xacminh/app');
    assert.equal(result.rebuilt, ['better-sqlite3']);
    assert.is(fs.readFileSync(join(app, 'node_modules/better-sqlite3/built-for'), 'utf8'), process.versions.modules);
    assert.is(fs.readFileSync(join(app, 'node_modules/.xacminh-lock-sha256'), 'utf8'), `lock-sha\n${ABI}\n`);
    assert.ok(fs.readFileSync(join(checkout, 'node_modules/.xacminh-lock-sha256'), 'utf8').includes('108 '), "the checkout's own node_modules is untouched");
    assert.is(result.siteConfig, 'absent');
  }),
);

test(
  'an upgrade whose native rebuild fails leaves the installed app as it was',
  withDirs(async ({ checkout, root }) => {
    makeCheckout(checkout, { dist: 'v1' });
    await installService({ sourceDir: checkout, root, say: () => {} });
    write(join(checkout, 'dist/agent/cli/main.js'), 'v2');
    write(join(checkout, 'node_modules/.xacminh-lock-sha256'), `lock-sha\n108 ${process.platform}-${process.arch}\n`);
    write(join(checkout, 'node_modules/better-sqlite3/package.json'), JSON.stringify({ name: 'better-sqlite3', version: '1.0.0', scripts: { install: 'node -e "process.exit(1)"' } }));
    try {
      await installService({ sourceDir: checkout, root, say: () => {} });
      assert.unreachable('the rebuild fails');
    } catch (error) {
      assert.ok(isXacminhError(error) && error.code === 'NATIVE_MODULE', String(error));
      assert.match((error as Error).message, /npm rebuild better-sqlite3/);
    }
    assert.is(fs.readFileSync(join(root, 'opt/xacminh/app/dist/agent/cli/main.js'), 'utf8'), 'v1', 'the running app is untouched');
  }),
);

test(
  'dist older than the sources is rebuilt with npm run build; missing with no build script is a clear error',
  withDirs(async ({ checkout, root }) => {
    makeCheckout(checkout, { buildScript: true });
    await installService({ sourceDir: checkout, root, say: () => {} });
    assert.is(fs.readFileSync(join(root, 'opt/xacminh/app/dist/agent/cli/main.js'), 'utf8'), 'built');

    const bare = `${checkout}-bare`;
    makeCheckout(bare, { dist: 'old' });
    const old = new Date(Date.now() - 7_200_000);
    fs.utimesSync(join(bare, 'dist/agent/cli/main.js'), old, old);
    try {
      await installService({ sourceDir: bare, root: `${root}-2`, say: () => {} });
      assert.unreachable('a stale build must not be installed');
    } catch (error) {
      assert.ok(isXacminhError(error) && error.code === 'CONFIG_INVALID', String(error));
      assert.match((error as Error).message, /older than the sources.*npm run build/);
    }
    assert.not.ok(fs.existsSync(`${root}-2/opt`), 'nothing installed');
  }),
);

test('not root and no --root: refused before anything is done, saying how', async () => {
  try {
    await installService({ sourceDir: '/nonexistent', isRoot: false, say: () => {} });
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error) && error.code === 'INVALID_INPUT');
    assert.match((error as Error).message, /run it as root.*--print.*--root/);
  }
});

test('Node.js older than 22: the notice says how to get Node 24 (Vietnamese first, then English); 22 and later: none', () => {
  const notice = nodeVersionNotice('v20.20.2') ?? '';
  assert.match(notice, /^! Node\.js v20\.20\.2 đã hết hạn hỗ trợ/);
  assert.match(notice, /curl -fsSL https:\/\/deb\.nodesource\.com\/setup_24\.x \| bash - && apt-get install -y nodejs/);
  assert.match(notice, /rebuilds the native modules/);
  assert.is(nodeVersionNotice('v22.12.0'), null);
  assert.is(nodeVersionNotice('v24.1.0'), null);
});

test(
  'the command: --print writes the unit and installs nothing; --root --no-systemctl installs there',
  withDirs(async ({ checkout, root }) => {
    const printed = spawnSync(process.execPath, [BIN, 'install-service', '--print', '--prefix', '/srv/xacminh'], { encoding: 'utf8', timeout: 60_000 });
    assert.is(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /^# Installed by `xacminh install-service`/);
    assert.match(printed.stdout, /\nExecStart=\S+ (?:--\S+ )*\/srv\/xacminh\/app\/dist\/agent\/cli\/main\.js start --data-dir \/var\/lib\/xacminh\n/);
    assert.not.ok(fs.existsSync('/srv/xacminh'), '--print installs nothing');

    makeCheckout(checkout, { dist: 'v1' });
    // A site config from before versions: the command migrates it with agent/config/migrate.ts, keeping the original.
    const site = join(root, 'var/lib/xacminh/site.json');
    write(site, JSON.stringify({ siteId: 'hcm-q1', deviceId: 'quay-1' }), 0o600);
    const run = spawnSync(process.execPath, [BIN, 'install-service', '--root', root, '--from', checkout, '--no-systemctl'], { encoding: 'utf8', timeout: 120_000 });
    assert.is(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /systemctl not run/);
    assert.equal(JSON.parse(fs.readFileSync(site, 'utf8')), { siteId: 'hcm-q1', deviceId: 'quay-1', version: CONFIG_VERSION });
    assert.ok(fs.existsSync(`${site}.v1.bak`));
    assert.match(run.stdout, /site config migrated v1 → v\d+/);
    assert.ok(fs.existsSync(join(root, 'etc/systemd/system/xacminh.service')));
    assert.ok(fs.existsSync(join(root, 'opt/xacminh/app/dist/agent/cli/main.js')));
    assert.is(fs.statSync(join(root, 'usr/local/bin/xacminh')).mode & 0o777, 0o755, 'the xacminh command is installed');
    assert.match(fs.readFileSync(join(root, 'usr/local/bin/xacminh'), 'utf8'), /'\/opt\/xacminh\/app\/dist\/agent\/cli\/main\.js' "\$@"/);
  }),
);

test('better-sqlite3: the lock\'s 12 stays for Node 20, Node 22 and later get 13 (12 aborts on Node 24.19+)', () => {
  assert.is(sqliteReplacementFor(20, '12.11.1'), null);
  assert.is(sqliteReplacementFor(22, '12.11.1'), SQLITE_FOR_NODE24);
  assert.is(sqliteReplacementFor(24, '12.9.0'), SQLITE_FOR_NODE24);
  assert.is(sqliteReplacementFor(24, SQLITE_FOR_NODE24), null);
  assert.is(sqliteReplacementFor(24, undefined), null, 'no register module, nothing to replace');
});

test(
  'staged for a Node 24 service, the app gets better-sqlite3 13 from the registry and that Node opens a database with it',
  withDirs(async ({ checkout, root }) => {
    const node24 = ensureNode24(process.env);
    makeCheckout(checkout, { dist: 'v1' });
    // The checkout's better-sqlite3 as the lock has it on the build machine (a stand-in: only its version matters).
    write(join(checkout, 'node_modules/better-sqlite3/package.json'), JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }));
    for (const file of ['package.json', 'package-lock.json']) {
      const text = fs.readFileSync(join(checkout, file), 'utf8').replaceAll('"1.0.0","hasInstallScript":true', '"12.11.1"').replace('"better-sqlite3":"1.0.0"', '"better-sqlite3":"12.11.1"');
      write(join(checkout, file), text.replace('"better-sqlite3":"1.0.0"', '"better-sqlite3":"12.11.1"'));
    }
    const lines: string[] = [];
    const appDir = join(root, 'app');
    const { rebuilt } = stageApp({ sourceDir: checkout, appDir, nodePath: node24, say: (line) => lines.push(line) });
    assert.not.ok(rebuilt.includes('better-sqlite3'), 'replaced, not rebuilt');
    const staged = `${appDir}.new`;
    assert.is(JSON.parse(fs.readFileSync(join(staged, 'node_modules/better-sqlite3/package.json'), 'utf8')).version, SQLITE_FOR_NODE24);
    assert.ok(lines.some((line) => line.includes(`better-sqlite3 ${SQLITE_FOR_NODE24}`)), lines.join('\n'));
    const opened = spawnSync(node24, ['-e', "const D = require('better-sqlite3'); const db = new D(':memory:'); console.log(db.prepare('select 41 + 1 as x').get().x)"], { cwd: staged, encoding: 'utf8', timeout: 60_000 });
    assert.is(opened.stdout.trim(), '42', opened.stderr);
  }),
);

test('the native modules rebuilt for the service are the ones bootstrap.sh rebuilds, and both give Node 22+ the same better-sqlite3', () => {
  const script = fs.readFileSync(resolve(import.meta.dirname, '../bootstrap.sh'), 'utf8');
  assert.is(/^sqlite_for_node22=(\S+)$/m.exec(script)?.[1], SQLITE_FOR_NODE24);
  const listed = /^native_modules="([^"]*)"/m.exec(script)?.[1]?.split(' ');
  assert.equal(listed, [...NATIVE_MODULES]);
});

test.run();
