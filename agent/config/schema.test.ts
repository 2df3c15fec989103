// The site config schema: strict at every level, and one source for "face required".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { z } from 'zod';
import { isXacminhError } from '../../drivers/errors.ts';
import { parseConfig } from './load.ts';
import { configSchema } from './schema.ts';

/** Paths of every object schema reachable from `schema` that lets unknown keys through; `seen` gets every object's path. */
function lenientObjects(schema: z.core.$ZodType, path: string, found: string[], seen: string[] = []): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const walk = (child: unknown, at: string) => lenientObjects(child as z.core.$ZodType, at, found, seen);
  switch (def.type) {
    case 'object': {
      const catchall = def.catchall as z.core.$ZodType | undefined;
      seen.push(path || '(top level)');
      if (catchall?._zod.def.type !== 'never') found.push(path || '(top level)');
      for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) walk(child, path ? `${path}.${key}` : key);
      break;
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      walk(def.innerType, path);
      break;
    case 'pipe':
      walk(def.in, path);
      walk(def.out, path);
      break;
    case 'union':
      (def.options as unknown[]).forEach((option, i) => walk(option, `${path}|${i}`));
      break;
    case 'array':
      walk(def.element, `${path}[]`);
      break;
    case 'record':
    case 'map':
    case 'tuple':
    case 'intersection':
    case 'lazy':
      found.push(`${path} (${def.type}: not checked, add it to this walk)`);
      break;
    default: // leaves: string, number, boolean, literal, enum, transform…
  }
  return found;
}

test('every object of the site config schema is strict, the site profile included', () => {
  const seen: string[] = [];
  assert.equal(lenientObjects(configSchema, '', [], seen), []);
  // The walk reached the nested objects (through the transform, the unions and the optional profile).
  for (const path of ['(top level)', 'site', 'site.contact', 'mqtt|1', 'reader|0', 'camera|4', 'ui', 'scanner', 'indicators', 'indicators.pins', 'face', 'timeouts', 'trust']) assert.ok(seen.includes(path), `${path} in ${seen.join(', ')}`);
});

test('the walk sees a lenient object (so the test above can fail)', async () => {
  const { z } = await import('zod');
  assert.equal(lenientObjects(z.strictObject({ a: z.object({ b: z.string() }).optional() }), '', []), ['a']);
});

const profile = {
  businessName: 'Tiệm cầm đồ Phú Quý',
  licenceNumber: '0312345678',
  businessType: 'pawnshop',
  address: '12 Lê Lợi, Bến Nghé, Quận 1, TP.HCM',
  policeUnit: 'Công an phường Bến Nghé',
  contact: { name: 'Nguyễn Văn A', phone: '+84 90 123 4567' },
  retentionDays: 730,
  faceRequired: false,
};

function problemPaths(input: unknown): string[] {
  try {
    parseConfig(input, 'site.json');
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
    return (error.evidence.problems as string[]).map((line) => line.split(':')[0]!);
  }
  throw new Error('accepted');
}

test('an unknown key inside the site profile is named by its path', () => {
  assert.equal(problemPaths({ site: { ...profile, contact: { ...profile.contact, emial: 'x@y' } } }), ['site.contact.emial']);
  assert.equal(problemPaths({ site: { ...profile, owner: 'x' } }), ['site.owner']);
  assert.equal(problemPaths({ indicators: { pins: { gren: 4 } } }), ['indicators.pins.gren']);
});

test('the site profile drives face.required; a disagreement is an error naming both', () => {
  assert.is(parseConfig({ site: profile }).face.required, false);
  assert.is(parseConfig({ site: { ...profile, faceRequired: true } }).face.required, true);
  assert.is(parseConfig({ site: profile, face: { required: false } }).face.required, false);
  assert.is(parseConfig({}).face.required, true);
  assert.is(parseConfig({ face: { required: false } }).face.required, false);
  try {
    parseConfig({ site: profile, face: { required: true } });
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'));
    assert.match(error.message, 'face.required (true) disagrees with site.faceRequired (false)');
  }
});

test('timeZone: Asia/Ho_Chi_Minh by default, another IANA zone kept, a misspelt one refused by name', () => {
  assert.is(parseConfig({}).timeZone, 'Asia/Ho_Chi_Minh');
  assert.is(parseConfig({ timeZone: 'Asia/Bangkok' }).timeZone, 'Asia/Bangkok');
  assert.equal(problemPaths({ timeZone: 'Asia/Hanoi City' }), ['timeZone']);
  assert.equal(problemPaths({ timeZone: 7 }), ['timeZone']);
});

test('face.challenges: all by default; a subset kept; an unknown, repeated or empty list refused by path', () => {
  assert.is(parseConfig({}).face.challenges, undefined);
  assert.equal(parseConfig({ face: { challenges: ['turn-left', 'nod'] } }).face.challenges, ['turn-left', 'nod']);
  assert.equal(problemPaths({ face: { challenges: ['blink', 'wink'] } }), ['face.challenges.1']);
  for (const bad of [['nod', 'nod'], [], 'blink']) assert.equal(problemPaths({ face: { challenges: bad } }), ['face.challenges'], JSON.stringify(bad));
});

test('face.turnDegrees / nodDegrees: unset by default (the operating point), a larger movement kept, out of range refused', () => {
  assert.is(parseConfig({}).face.turnDegrees, undefined);
  assert.equal([parseConfig({ face: { turnDegrees: 30, nodDegrees: 25 } }).face.turnDegrees, parseConfig({ face: { nodDegrees: 25 } }).face.nodDegrees], [30, 25]);
  assert.equal(problemPaths({ face: { turnDegrees: 5 } }), ['face.turnDegrees']);
  assert.equal(problemPaths({ face: { nodDegrees: 90 } }), ['face.nodDegrees']);
});

test.run();
