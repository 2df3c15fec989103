/**
 * The terminal's time zone for the commands that print times (`register list/show`): the site config's
 * `timeZone` in the data dir (site.json), as the operator page uses it, so both show the same clock.
 */
import { readFileSync } from 'node:fs';
import { dataDirPaths } from '../datadir.ts';

export const DEFAULT_SITE_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** The zone site.json names; the default when there is no site.json or it names none (`start` refuses a bad one). */
export function siteTimeZone(dataDir: string): string {
  let zone: unknown;
  try {
    zone = (JSON.parse(readFileSync(dataDirPaths(dataDir).siteConfig, 'utf8').replace(/^\uFEFF/, '')) as { timeZone?: unknown }).timeZone;
  } catch {
    return DEFAULT_SITE_TIME_ZONE; // no site config (the demo, a copied data dir): the site default
  }
  if (typeof zone !== 'string') return DEFAULT_SITE_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('vi-VN', { timeZone: zone });
    return zone;
  } catch {
    return DEFAULT_SITE_TIME_ZONE;
  }
}

/** How the column heading names the zone: "giờ VN" for Vietnam, else the IANA name. */
export function zoneLabel(timeZone: string): string {
  return timeZone === 'Asia/Ho_Chi_Minh' || timeZone === 'Asia/Saigon' ? 'giờ VN' : `giờ ${timeZone}`;
}
