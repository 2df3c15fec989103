/**
 * What the service knows about devices (which certificate serials each holds, active or revoked) and sites
 * (what their bundle says). A device id is active while it holds an unexpired, unrevoked certificate;
 * replacing a device means revoking it first.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { XacminhError } from '../../../drivers/errors.ts';
import { siteBundleSchema } from '../bundle.ts';
import { readJson, writeJson } from '../json-file.ts';

const deviceSchema = z.strictObject({
  siteId: z.string(),
  status: z.enum(['active', 'revoked']),
  serials: z.array(z.string()),
  notAfter: z.iso.datetime(),
  enrolledAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
const devicesSchema = z.strictObject({ devices: z.record(z.string(), deviceSchema), revokedSerials: z.array(z.string()) });
type Devices = z.infer<typeof devicesSchema>;
export type DeviceEntry = z.infer<typeof deviceSchema>;

/** A site's registration: the bundle minus its issue time, which is set at each signing. */
export const siteEntrySchema = siteBundleSchema.omit({ issuedAt: true });
export type SiteEntry = z.infer<typeof siteEntrySchema>;
const sitesSchema = z.record(z.string(), siteEntrySchema);

export class Registry {
  private readonly devicesPath: string;
  private readonly sitesPath: string;
  constructor(dir: string) {
    this.devicesPath = join(dir, 'devices.json');
    this.sitesPath = join(dir, 'sites.json');
  }

  device(deviceId: string): DeviceEntry | undefined {
    return this.devices().devices[deviceId];
  }

  isActive(deviceId: string, now: Date): boolean {
    const d = this.device(deviceId);
    return d !== undefined && d.status === 'active' && Date.parse(d.notAfter) > now.getTime();
  }

  /** Whether this serial is the device's, and neither it nor the device is revoked. */
  serialInGoodStanding(deviceId: string, serial: string): boolean {
    const all = this.devices();
    const d = all.devices[deviceId];
    return d !== undefined && d.status === 'active' && d.serials.includes(serial) && !all.revokedSerials.includes(serial);
  }

  recordEnrolment(deviceId: string, siteId: string, serial: string, notAfter: Date, now: Date): void {
    const all = this.devices();
    all.devices[deviceId] = { siteId, status: 'active', serials: [serial], notAfter: notAfter.toISOString(), enrolledAt: now.toISOString(), revokedAt: null };
    writeJson(this.devicesPath, all);
  }

  recordRenewal(deviceId: string, serial: string, notAfter: Date): void {
    const all = this.devices();
    const d = all.devices[deviceId];
    if (!d) throw new XacminhError('INVALID_INPUT', `Unknown device ${deviceId}`, { deviceId });
    all.devices[deviceId] = { ...d, serials: [...d.serials, serial], notAfter: notAfter.toISOString() };
    writeJson(this.devicesPath, all);
  }

  revoke(deviceId: string, now: Date): DeviceEntry {
    const all = this.devices();
    const d = all.devices[deviceId];
    if (!d) throw new XacminhError('INVALID_INPUT', `No device ${deviceId} was ever enrolled here`, { deviceId });
    const revoked: DeviceEntry = { ...d, status: 'revoked', revokedAt: now.toISOString() };
    all.devices[deviceId] = revoked;
    all.revokedSerials = [...new Set([...all.revokedSerials, ...d.serials])];
    writeJson(this.devicesPath, all);
    return revoked;
  }

  site(siteId: string): SiteEntry | undefined {
    return readJson(this.sitesPath, sitesSchema, {})[siteId];
  }

  setSite(entry: SiteEntry): void {
    const sites = readJson(this.sitesPath, sitesSchema, {});
    sites[entry.siteId] = siteEntrySchema.parse(entry);
    writeJson(this.sitesPath, sites, 0o644);
  }

  private devices(): Devices {
    return readJson(this.devicesPath, devicesSchema, { devices: {}, revokedSerials: [] });
  }
}
