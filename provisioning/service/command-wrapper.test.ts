// The installed `xacminh` command: the installed build on the service's Node.js, the service's data dir by default.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderCommandWrapper } from './command-wrapper.ts';

function withInstalledApp(run: (prefix: string, wrapper: string) => void): void {
  const prefix = fs.mkdtempSync(join(tmpdir(), 'xacminh-wrapper-'));
  try {
    // A stand-in for the built CLI that reports how it was started.
    fs.mkdirSync(join(prefix, 'app/dist/agent/cli'), { recursive: true });
    fs.writeFileSync(join(prefix, 'app/dist/agent/cli/main.js'), 'console.log(JSON.stringify({ args: process.argv.slice(2), dataDir: process.env.XACMINH_DATA_DIR, flags: process.execArgv }));\n');
    const wrapper = join(prefix, 'xacminh');
    fs.writeFileSync(wrapper, renderCommandWrapper({ nodePath: process.execPath, prefix, dataDir: '/var/lib/xacminh', nodeFlags: ['--max-semi-space-size=2'] }), { mode: 0o755 });
    run(prefix, wrapper);
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

test('runs the installed build with the service flags and the service data dir unless one is given; arguments pass through intact', () => {
  withInstalledApp((_prefix, wrapper) => {
    const env = { ...process.env };
    delete env.XACMINH_DATA_DIR;
    const plain = spawnSync(wrapper, ['provision', 'status', '--json'], { encoding: 'utf8', env });
    assert.is(plain.status, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout), { args: ['provision', 'status', '--json'], dataDir: '/var/lib/xacminh', flags: ['--max-semi-space-size=2'] });
    const elsewhere = spawnSync(wrapper, ['provision', 'status', '--note', "it's a test"], { encoding: 'utf8', env: { ...env, XACMINH_DATA_DIR: '/srv/other' } });
    assert.equal(JSON.parse(elsewhere.stdout), { args: ['provision', 'status', '--note', "it's a test"], dataDir: '/srv/other', flags: ['--max-semi-space-size=2'] });
  });
});

test('as root, commands other than install-service, provision and enrol-service would run as the service user', () => {
  const script = renderCommandWrapper({ nodePath: '/usr/bin/node', prefix: '/opt/xacminh', dataDir: '/var/lib/xacminh' });
  assert.match(script, /\n {2}install-service\|provision\|enrol-service\) ;;\n/);
  assert.match(script, /exec runuser -u xacminh -- "\$0" "\$@"/);
  assert.is(spawnSync('sh', ['-n'], { input: script }).status, 0, 'the script parses');
});

test.run();
