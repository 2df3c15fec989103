// The site config step: an old hand-written site.json migrated (backup kept, its other settings kept), the
// profile merged from bundle and answers, written only when it differs.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { parseAnswers } from './answers.ts';
import { mergeProfile, writeSiteConfig } from './site-config.ts';

const fullProfile = {
  businessName: 'Tiệm cầm đồ Phú Quý',
  licenceNumber: '0312345678',
  businessType: 'pawnshop' as const,
  address: '12 Lê Lợi, Quận 1',
  policeUnit: 'Công an phường Bến Nghé',
  contact: { name: 'Nguyễn Văn A', phone: '0901234567' },
  retentionDays: 730,
  faceRequired: false,
};
const answers = (profile: Record<string, unknown>) =>
  parseAnswers({
    enrolment: { url: 'https://127.0.0.1:8443', caFingerprint: 'ab'.repeat(32), code: 'abcd-1234' },
    siteId: 'site-1',
    deviceId: 'quay-1',
    profile,
    accounts: [{ username: 'kythuat', role: 'technician' }],
    trust: { masterListSigners: ['cd'.repeat(32)] },
  });
const bundle = { broker: { url: 'mqtts://broker.example:8883' }, profile: { businessName: 'Phú Quý', policeUnit: 'Công an phường Bến Nghé' } };

test('a version 1 site.json is migrated (site.json.v1.bak kept), keeps what provisioning does not own, loses face.required', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-site-'));
  const path = join(dataDir, 'site.json');
  const v1 = { siteId: 'old', ui: { port: 8090 }, timeouts: { faceMs: 15_000 }, face: { required: true, activeLiveness: false } };
  writeFileSync(path, JSON.stringify(v1));
  const result = writeSiteConfig(dataDir, answers(fullProfile), bundle);
  assert.is(result.status, 'changed');
  assert.equal(result.migration, { from: 1, to: 2, changed: true, backup: `${path}.v1.bak` });
  assert.equal(JSON.parse(readFileSync(`${path}.v1.bak`, 'utf8')), v1);
  assert.equal(result.overridden, ['businessName']);
  const { config } = await loadConfigFile(path);
  assert.equal([config.version, config.ui.port, config.timeouts.faceMs, config.face.activeLiveness, config.face.required], [2, 8090, 15_000, false, false]);
  assert.equal(config.trust.masterListSigners, ['cd'.repeat(32)]);
  assert.is(config.site?.businessName, 'Tiệm cầm đồ Phú Quý', 'the answers win over the bundle');
  assert.not.ok('required' in (JSON.parse(readFileSync(path, 'utf8')) as { face: object }).face);
  const mtime = statSync(path).mtimeMs;
  assert.equal(writeSiteConfig(dataDir, answers(fullProfile), bundle), { status: 'unchanged', fields: [], overridden: ['businessName'] });
  assert.is(statSync(path).mtimeMs, mtime);
});

test("a provisioned terminal runs the site flows (Node-RED) unless its file turned them off", async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'xacminh-site-'));
  writeSiteConfig(fresh, answers(fullProfile), bundle);
  assert.ok((await loadConfigFile(join(fresh, 'site.json'))).config.nodeRed.enabled, 'on for a new terminal');
  const off = mkdtempSync(join(tmpdir(), 'xacminh-site-'));
  writeFileSync(join(off, 'site.json'), JSON.stringify({ version: 2, nodeRed: { enabled: false, port: 1990 } }));
  writeSiteConfig(off, answers(fullProfile), bundle);
  const { config } = await loadConfigFile(join(off, 'site.json'));
  assert.equal([config.nodeRed.enabled, config.nodeRed.port], [false, 1990], "the technician's choice is kept");
});

test('a profile field neither the answers nor the bundle give: INVALID_INPUT naming it, nothing written', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-site-'));
  const { licenceNumber: _l, address: _a, ...partial } = fullProfile;
  try {
    writeSiteConfig(dataDir, answers(partial), bundle);
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
    assert.equal(error.evidence.problems, ['profile.licenceNumber: Invalid input: expected string, received undefined', 'profile.address: Invalid input: expected string, received undefined']);
  }
  assert.not.ok(existsSync(join(dataDir, 'site.json')));
  // The bundle's fields fill what the answers leave out.
  const { businessName: _b, policeUnit: _p, ...rest } = fullProfile;
  assert.equal(mergeProfile(bundle.profile, rest), { profile: { ...rest, businessName: 'Phú Quý', policeUnit: 'Công an phường Bến Nghé' }, overridden: [] });
});

test.run();
