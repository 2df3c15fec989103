// Random and mutated card data into every LDS parser: only MALFORMED_DATA or UNSUPPORTED may come out,
// never a TypeError/RangeError, never a hang. Replay a failure with FUZZ_SEED=<seed printed below>.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { isXacminhError } from '../../errors.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import { concat } from '../crypto/bytes.ts';
import { formatTd1, parseMrz } from '../mrz.ts';
import { OID } from '../oids.ts';
import { encodeTlv, peekTlvLength, readTlv, readTlvList } from '../tlv.ts';
import { parseCardAccess } from './card-access.ts';
import { encodeCom, parseCom } from './com.ts';
import { encodeDg1, parseDg1 } from './dg1.ts';
import { encodeDg2, parseDg2 } from './dg2.ts';
import { encodeDg13, parseDg13 } from './dg13.ts';
import { encodeDg14, parseDg14 } from './dg14.ts';
import { encodeDg15, parseDg15 } from './dg15.ts';
import { encodeSod, parseSod } from './sod.ts';
import { mulberry32 } from '../../prng.ts';
import { ensureDiffers, fuzzSeed } from '../../mutate.ts';
import { realCardAccess } from './test-util.ts';

const seed = fuzzSeed();
console.log(`LDS fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);

const random = mulberry32(seed);
const int = (n: number) => Math.floor(random() * n);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));

// ---- corpus: genuine files from our own encoders and a real card's EF.CardAccess ----
const pki = await generateTestPki();
const mrz = formatTd1({
  documentCode: 'ID',
  issuingState: 'VNM',
  documentNumber: '203001234',
  optionalData1: '079203001234<<1',
  dateOfBirth: '900201',
  sex: 'M',
  dateOfExpiry: '300201',
  nationality: 'VNM',
  optionalData2: '',
  primaryIdentifier: 'NGUYEN',
  secondaryIdentifier: 'VAN AN',
});
const ecSpki = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey.export({ type: 'spki', format: 'der' }));
const rsaSpki = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }));
const dg13 = encodeDg13({
  idNumber: '079203001234',
  fullName: 'Nguyễn Văn An',
  dateOfBirth: '01/02/1990',
  sex: 'Nam',
  nationality: 'Việt Nam',
  placeOfResidence: 'Hà Nội',
  dateOfExpiry: 'Không thời hạn',
  fatherName: 'Nguyễn Văn Bình',
  motherName: 'Lê Thị Cúc',
});
const sod = encodeSod({
  digestAlgorithm: 'sha256',
  dataGroups: new Map([1, 2, 13, 14, 15].map((dg) => [dg, randomBytes(32)])),
  signerKey: pki.documentSignerKey,
  signerCertificateDer: pki.documentSignerCertificate,
  ldsVersion: { lds: '0108', unicode: '040000' },
});

const CORPUS: [name: string, parse: (b: Uint8Array) => unknown, original: Uint8Array][] = [
  ['EF.CardAccess', parseCardAccess, realCardAccess()],
  ['EF.COM', parseCom, encodeCom([1, 2, 3, 13, 14, 15])],
  ['DG1', parseDg1, encodeDg1(mrz)],
  // A small photo: the structure around it is what the parser must survive.
  ['DG2', parseDg2, encodeDg2(concat(Uint8Array.of(0xff, 0xd8, 0xff), randomBytes(600)), { width: 480, height: 640 })],
  ['DG13', parseDg13, dg13],
  [
    'DG14',
    parseDg14,
    encodeDg14([
      { type: 'ChipAuthenticationInfo', oid: OID['id-CA-ECDH-AES-CBC-CMAC-128'], version: 1, keyId: 1 },
      { type: 'ChipAuthenticationPublicKeyInfo', oid: OID['id-PK-ECDH'], publicKey: ecSpki, keyId: 1 },
      { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 },
      { type: 'ActiveAuthenticationInfo', oid: OID['id-AA'], version: 1, signatureAlgorithm: '0.4.0.127.0.7.1.1.4.1.3' },
    ]),
  ],
  ['DG15 RSA', parseDg15, encodeDg15(rsaSpki)],
  ['DG15 EC', parseDg15, encodeDg15(ecSpki)],
  ['EF.SOD', parseSod, sod],
  ['TLV list', (b) => readTlvList(b), dg13],
];

// ---- a TLV tree, so mutations can lie precisely and still keep the outer layers consistent ----
interface Node {
  tag: number;
  value: Uint8Array;
  children?: Node[];
  headerAt: number; // offset of the node's header in the original bytes
  headerLength: number;
}

function tree(bytes: Uint8Array, base = 0): Node[] {
  let list;
  try {
    list = readTlvList(bytes);
  } catch {
    return [];
  }
  let at = 0;
  return list.map((t) => {
    const firstTagByte = t.raw[0]!;
    // Constructed tags hold TLVs; so does an OCTET STRING wrapping DER (the SOD's eContent).
    const nested = (firstTagByte & 0x20) !== 0 || t.tag === 0x04 ? tree(t.value, base + at + t.headerLength) : [];
    const node: Node = { tag: t.tag, value: t.value, headerAt: base + at, headerLength: t.headerLength, ...(nested.length ? { children: nested } : {}) };
    at += t.totalLength;
    return node;
  });
}

const flatten = (nodes: Node[]): Node[] => nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
const serialize = (nodes: Node[]): Uint8Array => concat(...nodes.map((n) => encodeTlv(n.tag, n.children ? serialize(n.children) : n.value)));
const cloneTree = (nodes: Node[]): Node[] => nodes.map((n) => ({ ...n, ...(n.children ? { children: cloneTree(n.children) } : {}) }));

const LYING_LENGTHS = [[0x00], [0x7f], [0x80], [0x81, 0xff], [0x82, 0xff, 0xff], [0x83, 0x01, 0x00, 0x00], [0x84, 0xff, 0xff, 0xff, 0xff], [0x85, 1, 1, 1, 1, 1], [0x89]];

/** A byte-level mutation: the kind a flaky link or a hostile chip would produce. */
function rawMutation(original: Uint8Array, nodes: Node[]): Uint8Array {
  const bytes = original.slice();
  switch (int(7)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + int(4); i < n; i++) bytes[int(bytes.length)]! ^= 1 << int(8);
      return bytes;
    case 1: // truncation
      return bytes.subarray(0, int(bytes.length));
    case 2: {
      // a lying length at a real header, anywhere in the tree
      const node = nodes[int(nodes.length)]!;
      const lengthAt = node.headerAt + tagLength(original, node.headerAt);
      const oldLength = node.headerAt + node.headerLength - lengthAt;
      const replacement = int(2) ? LYING_LENGTHS[int(LYING_LENGTHS.length)]! : [Math.max(0, Math.min(0x7f, node.value.length + int(7) - 3))];
      return concat(original.subarray(0, lengthAt), Uint8Array.from(replacement), original.subarray(lengthAt + oldLength));
    }
    case 3: // random garbage of the same size
      return randomBytes(bytes.length);
    case 4: {
      // a slice from the middle
      const start = int(bytes.length);
      return bytes.subarray(start, start + int(bytes.length - start + 1));
    }
    case 5: {
      // bytes inserted
      const at = int(bytes.length + 1);
      return concat(bytes.subarray(0, at), randomBytes(1 + int(8)), bytes.subarray(at));
    }
    default: {
      // a tag byte replaced
      const node = nodes[int(nodes.length)]!;
      bytes[node.headerAt] = int(256);
      return bytes;
    }
  }
}

function tagLength(bytes: Uint8Array, at: number): number {
  if ((bytes[at]! & 0x1f) !== 0x1f) return 1;
  let n = 1;
  while (bytes[at + n]! & 0x80) n++;
  return n + 1;
}

/** A mutation deep inside, with every enclosing length fixed up, so it reaches the inner parsers. */
function consistentMutation(roots: Node[]): Uint8Array {
  const copy = cloneTree(roots);
  const nodes = flatten(copy);
  const node = nodes[int(nodes.length)]!;
  switch (int(7)) {
    case 6: {
      // the header fields of the largest binary value (DG2's facial record, a key) nudged: counts and lengths that lie
      const leaf = nodes.filter((n) => !n.children).reduce((a, b) => (b.value.length > a.value.length ? b : a));
      leaf.value = leaf.value.slice();
      for (let i = 0, n = 1 + int(3); i < n; i++) {
        const at = int(Math.min(48, leaf.value.length));
        leaf.value[at] = [0x00, 0xff, leaf.value[at]! + 1, leaf.value[at]! - 1][int(4)]! & 0xff;
      }
      break;
    }
    case 0: // new random value
      delete node.children;
      node.value = randomBytes(int(40));
      break;
    case 1: // value cut short
      delete node.children;
      node.value = node.value.subarray(0, int(node.value.length));
      break;
    case 2: // another tag
      node.tag = [0x02, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x30, 0x31, 0xa0, 0x5f1f, 0x7f60, int(0x1f)][int(12)]!;
      break;
    case 3: {
      // a child dropped or doubled
      const parent = nodes.find((n) => n.children?.length) ?? node;
      if (parent.children?.length) {
        const i = int(parent.children.length);
        if (int(2)) parent.children.splice(i, 1);
        else parent.children.splice(i, 0, parent.children[i]!);
      }
      break;
    }
    case 4: // a huge or negative INTEGER
      delete node.children;
      node.tag = 0x02;
      node.value = int(2) ? Uint8Array.of(0xff) : Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
      break;
    default: // a bit flipped inside a value
      if (!node.children && node.value.length) {
        node.value = node.value.slice();
        node.value[int(node.value.length)]! ^= 1 << int(8);
      }
  }
  return serialize(copy);
}

function expectTyped(name: string, parse: () => unknown, input: Uint8Array | string): { rejected: boolean; ms: number } {
  const start = performance.now();
  let rejected = false;
  try {
    parse();
  } catch (error) {
    rejected = true;
    const shown = typeof input === 'string' ? JSON.stringify(input) : `${Buffer.from(input.subarray(0, 64)).toString('hex')}… (${input.length} bytes)`;
    if (!isXacminhError(error) || (error.code !== 'MALFORMED_DATA' && error.code !== 'UNSUPPORTED')) {
      assert.unreachable(`${name} threw ${String(error)} for ${shown} (seed ${seed})`);
    }
  }
  return { rejected, ms: performance.now() - start };
}

test(`the unmutated corpus parses (seed ${seed})`, () => {
  for (const [name, parse, original] of CORPUS) {
    try {
      parse(original);
    } catch (error) {
      assert.unreachable(`${name} does not parse its own genuine form: ${String(error)}`);
    }
  }
});

test(`11,000 mutated files into every LDS parser: MALFORMED_DATA or UNSUPPORTED only, no hang (seed ${seed})`, () => {
  let runs = 0;
  let rejected = 0;
  let accepted = 0;
  let slowest = 0;
  for (const [name, parse, original] of CORPUS) {
    const roots = tree(original);
    const nodes = flatten(roots);
    assert.ok(nodes.length > 0, `${name}: no TLV structure to mutate`);
    for (let i = 0; i < 1100; i++) {
      // A mutation can undo itself (a cut of nothing, a tag replaced by itself): the original is no fuzz case.
      const input = ensureDiffers(original, i % 2 ? rawMutation(original, nodes) : consistentMutation(roots), random);
      const result = expectTyped(name, () => parse(input), input);
      runs++;
      if (result.rejected) rejected++;
      else accepted++;
      slowest = Math.max(slowest, result.ms);
    }
  }
  assert.ok(runs >= 10_000, `only ${runs} runs`);
  // Both outcomes must occur, or the mutations are not reaching the parsers' logic.
  assert.ok(rejected > runs / 4, `suspiciously few rejections: ${rejected} of ${runs}`);
  assert.ok(accepted > runs / 50, `suspiciously few accepted: ${accepted} of ${runs}`);
  assert.ok(slowest < 2000, `one input took ${slowest.toFixed(0)} ms: a near-hang`);
});

test(`MRZ parser, header peeking and single TLVs on random text and bytes (seed ${seed})`, () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<\n é';
  const genuine = mrz.join('\n');
  for (let i = 0; i < 3000; i++) {
    const text = i % 2 ? Array.from({ length: int(100) }, () => alphabet[int(alphabet.length)]).join('') : mutateText(genuine);
    try {
      parseMrz(text);
    } catch (error) {
      // Operator text: INVALID_INPUT is its typed refusal.
      assert.ok(isXacminhError(error, 'INVALID_INPUT'), `parseMrz threw ${String(error)} for ${JSON.stringify(text)} (seed ${seed})`);
    }
    const bytes = randomBytes(int(12));
    expectTyped('peekTlvLength', () => peekTlvLength(bytes), bytes);
    expectTyped('readTlv', () => readTlv(bytes, int(4)), bytes);
  }
});

function mutateText(text: string): string {
  const chars = [...text];
  for (let i = 0, n = 1 + int(3); i < n; i++) {
    const at = int(chars.length);
    const r = int(3);
    if (r === 0) chars[at] = 'ABC<1\n'[int(6)]!;
    else if (r === 1) chars.splice(at, 1);
    else chars.splice(at, 0, '<');
  }
  return chars.join('');
}

test.run();
