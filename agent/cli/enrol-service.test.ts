// `xacminh enrol-service`: the subcommands a deployment runs, then a terminal enrolling with what they printed.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { enrolDevice, readSiteBundle } from '../../provisioning/est/enrol.ts';
import { someCaPem } from '../../provisioning/est/est-test-support.ts';
import { runCommandCli } from './cli-io.ts';
import { registerEnrolServiceCommand, serveCommand } from './enrol-service.ts';

const test = suite('enrol-service CLI');
const dir = mkdtempSync(join(tmpdir(), 'xacminh-enrol-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) };
  const code = await runCommandCli(['enrol-service', ...argv], io, (program) => {
    registerEnrolServiceCommand(program, io);
    return () => 0;
  });
  return { code, out, err };
}

test('fingerprint, site, issue-code, serve: a terminal enrols with what they printed; bad input exits 2', async () => {
  const fp = await cli('fingerprint', '--dir', dir);
  assert.is(fp.code, 0, fp.err);
  assert.match(fp.out.trim(), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.is(statSync(join(dir, 'ca-key.pem')).mode & 0o777, 0o600);

  writeFileSync(join(dir, 'broker-ca.pem'), await someCaPem());
  writeFileSync(join(dir, 'authority.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
  writeFileSync(join(dir, 'profile.json'), JSON.stringify({ businessName: 'Khách sạn Sao Mai', businessType: 'hotel' }));
  const site = await cli('site', '--dir', dir, '--site', 'hotel-1', '--broker-url', 'mqtts://127.0.0.1:8883', '--broker-ca', join(dir, 'broker-ca.pem'), '--authority-key', join(dir, 'authority.pem'), '--profile', join(dir, 'profile.json'));
  assert.is(site.code, 0, site.err);
  writeFileSync(join(dir, 'bad-profile.json'), JSON.stringify({ businessType: 'casino' }));
  const badProfile = await cli('site', '--dir', dir, '--site', 'hotel-1', '--broker-url', 'mqtts://127.0.0.1:8883', '--broker-ca', join(dir, 'broker-ca.pem'), '--authority-key', join(dir, 'authority.pem'), '--profile', join(dir, 'bad-profile.json'));
  assert.is(badProfile.code, 2);
  assert.match(badProfile.err, /businessType/);

  const tooLong = await cli('issue-code', '--dir', dir, '--site', 'hotel-1', '--ttl-minutes', '60');
  assert.is(tooLong.code, 2);
  const issued = await cli('issue-code', '--dir', dir, '--site', 'hotel-1');
  assert.is(issued.code, 0, issued.err);
  const code = issued.out.trim();
  assert.match(code, /^[A-Z0-9]{4}(-[A-Z0-9]{4}){5}$/);

  const lines: string[] = [];
  const service = await serveCommand({ dir, port: '0', host: '127.0.0.1' }, { stdout: (s) => void lines.push(s), stderr: () => undefined });
  try {
    const url = /https:\/\/\S+/.exec(lines.join(''))![0];
    const data = mkdtempSync(join(dir, 'terminal-'));
    const result = await enrolDevice({ dataDir: data, url, caFingerprint: fp.out.trim(), code, siteId: 'hotel-1', deviceId: 'quay-1' });
    assert.is(result.changed, true);
    assert.is((await readSiteBundle(data)).profile?.businessName, 'Khách sạn Sao Mai');
    assert.ok(lines.join('').includes(fp.out.trim()), 'serve prints the fingerprint');
  } finally {
    await service.close();
  }
  const revoked = await cli('revoke', '--dir', dir, '--device', 'quay-1');
  assert.is(revoked.code, 0, revoked.err);
  const unknown = await cli('revoke', '--dir', dir, '--device', 'nobody');
  assert.is(unknown.code, 2);
});

test.run();
