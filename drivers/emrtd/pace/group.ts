/**
 * The group operations PACE generic mapping needs, over an elliptic curve (noble-curves point
 * arithmetic, so the mapped generator works) or a prime-order MODP subgroup. Every decode validates
 * the received element: on the curve / in the subgroup, never the identity.
 */
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { XacminhError } from '../../errors.ts';
import { bigintFromBytes, bigintToBytes, type RandomSource } from '../crypto/bytes.ts';
import type { DhDomainParameters, DomainParameters, EcDomainParameters } from './domain-parameters.ts';

/** Opaque group element. */
export type GroupElement = { readonly __groupElement: unique symbol };

export interface PaceGroup {
  readonly kind: 'EC' | 'DH';
  /** Tag of the public value inside a 7F49 public-key data object: 86 (EC point) or 84 (DH y). */
  readonly publicValueTag: 0x86 | 0x84;
  readonly generator: GroupElement;
  randomScalar(random: RandomSource): bigint;
  multiply(element: GroupElement, scalar: bigint): GroupElement;
  add(a: GroupElement, b: GroupElement): GroupElement;
  equals(a: GroupElement, b: GroupElement): boolean;
  encode(element: GroupElement): Uint8Array;
  /** Decodes and validates a public value; INVALID (MALFORMED_DATA) when it is off the curve or outside the subgroup. */
  decode(bytes: Uint8Array): GroupElement;
  /** The shared-secret bytes KDF input: the x-coordinate (EC) or the full value (DH), at field length. */
  secret(element: GroupElement): Uint8Array;
}

function invalid(message: string): never {
  throw new XacminhError('MALFORMED_DATA', message);
}

function bitLength(v: bigint): number {
  return v.toString(2).length;
}

/** Uniform scalar in [1, n-1] by rejection sampling; the mask keeps injected worked-example keys intact. */
function drawScalar(random: RandomSource, n: bigint, size: number): bigint {
  const mask = (1n << BigInt(bitLength(n))) - 1n;
  for (let attempt = 0; attempt < 256; attempt++) {
    const bytes = random(size);
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new XacminhError('INVALID_INPUT', 'random source returned the wrong length');
    const k = bigintFromBytes(bytes) & mask;
    if (k >= 1n && k < n) return k;
  }
  throw new XacminhError('INVALID_INPUT', 'random source does not produce usable scalars');
}

type Point = WeierstrassPoint<bigint>;
const asPoint = (e: GroupElement): Point => e as unknown as Point;
const asElement = (p: Point | bigint): GroupElement => p as unknown as GroupElement;

function ecGroup(params: EcDomainParameters, generator?: Point): PaceGroup {
  const { Point, n, fieldSize } = params;
  const g = generator ?? Point.BASE;
  const check = (p: Point): Point => {
    if (p.is0()) invalid('EC point at infinity');
    return p;
  };
  return {
    kind: 'EC',
    publicValueTag: 0x86,
    generator: asElement(g),
    randomScalar: (random) => drawScalar(random, n, params.orderSize),
    multiply(element, scalar) {
      const k = ((scalar % n) + n) % n;
      if (k === 0n) invalid('EC scalar is zero modulo the group order');
      return asElement(check(asPoint(element).multiply(k)));
    },
    add: (a, b) => asElement(check(asPoint(a).add(asPoint(b)))),
    equals: (a, b) => asPoint(a).equals(asPoint(b)),
    encode: (element) => asPoint(element).toBytes(false),
    decode(bytes) {
      if (bytes.length !== 1 + 2 * fieldSize || bytes[0] !== 0x04) invalid(`EC public key is not an uncompressed ${fieldSize * 8}-bit point`);
      let p: Point;
      try {
        p = Point.fromBytes(bytes);
        p.assertValidity();
      } catch (error) {
        throw new XacminhError('MALFORMED_DATA', 'EC public key is not a point on the curve', {}, { cause: error });
      }
      return asElement(check(p));
    },
    secret: (element) => bigintToBytes(asPoint(element).x, fieldSize),
  };
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function dhGroup(params: DhDomainParameters, generator?: bigint): PaceGroup {
  const { p, q, size } = params;
  const g = generator ?? params.g;
  const value = (e: GroupElement): bigint => e as unknown as bigint;
  const check = (y: bigint): bigint => {
    if (y <= 1n || y >= p - 1n) invalid('DH value out of range');
    return y;
  };
  return {
    kind: 'DH',
    publicValueTag: 0x84,
    generator: asElement(g),
    randomScalar: (random) => drawScalar(random, q, params.orderSize),
    multiply: (element, scalar) => asElement(check(modPow(value(element), scalar, p))),
    add: (a, b) => asElement(check((value(a) * value(b)) % p)),
    equals: (a, b) => value(a) === value(b),
    encode: (element) => bigintToBytes(value(element), size),
    decode(bytes) {
      if (bytes.length === 0 || bytes.length > size) invalid('DH public value of the wrong length');
      const y = check(bigintFromBytes(bytes));
      if (modPow(y, q, p) !== 1n) invalid('DH public value is not in the prime-order subgroup');
      return asElement(y);
    },
    secret: (element) => bigintToBytes(value(element), size),
  };
}

export function standardGroup(params: DomainParameters): PaceGroup {
  return params.kind === 'EC' ? ecGroup(params) : dhGroup(params);
}

/** The same group with the generator replaced (the mapped generator of GM). */
export function withGenerator(params: DomainParameters, generator: GroupElement): PaceGroup {
  return params.kind === 'EC' ? ecGroup(params, asPoint(generator)) : dhGroup(params, generator as unknown as bigint);
}

/** Generic mapping (9303-11 §4.4.3.3.1): G~ = s·G + H (EC), g~ = g^s · h (DH). */
export function mapGenerator(params: DomainParameters, nonce: Uint8Array, h: GroupElement): GroupElement {
  const group = standardGroup(params);
  const s = bigintFromBytes(nonce);
  return group.add(group.multiply(group.generator, s), h);
}
