/**
 * Made-up Vietnamese card holders for the virtual CCCD: plausible names, places and dates, generated from
 * a seed. No real person's data.
 */
import { mulberry32 } from '../prng.ts';

export interface Persona {
  idNumber: string;
  fullName: string;
  dateOfBirth: string; // dd/mm/yyyy
  sex: 'Nam' | 'Nữ';
  nationality: string;
  ethnicity: string;
  religion: string;
  placeOfOrigin: string;
  placeOfResidence: string;
  identifyingFeatures: string;
  dateOfIssue: string; // dd/mm/yyyy
  dateOfExpiry: string; // dd/mm/yyyy or "Không thời hạn"
  fatherName: string;
  motherName: string;
  spouseName?: string;
  oldIdNumber?: string;
}

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE_M = ['Văn', 'Hữu', 'Đức', 'Minh', 'Quốc', 'Thành'];
const MIDDLE_F = ['Thị', 'Ngọc', 'Thu', 'Thanh', 'Mỹ', 'Kim'];
const GIVEN_M = ['An', 'Bảo', 'Cường', 'Dũng', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Tuấn'];
const GIVEN_F = ['Anh', 'Chi', 'Dung', 'Hà', 'Hương', 'Lan', 'Linh', 'Mai', 'Ngân', 'Thảo', 'Trang', 'Yến'];
const PROVINCES: [code: string, name: string][] = [
  ['001', 'Hà Nội'],
  ['031', 'Hải Phòng'],
  ['048', 'Đà Nẵng'],
  ['079', 'Hồ Chí Minh'],
  ['092', 'Cần Thơ'],
  ['036', 'Nam Định'],
  ['038', 'Thanh Hóa'],
  ['040', 'Nghệ An'],
];
const STREETS = ['Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Huệ', 'Hai Bà Trưng', 'Lý Thường Kiệt', 'Điện Biên Phủ'];
const FEATURES = ['Nốt ruồi C:1cm trên trước đầu lông mày trái', 'Sẹo chấm C:2cm dưới sau mép phải', 'Nốt ruồi C:1,5cm dưới cánh mũi phải'];

export function generatePersona(seed: number): Persona {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const male = random() < 0.5;
  const birthYear = 1960 + Math.floor(random() * 45);
  const birth = { d: 1 + Math.floor(random() * 28), m: 1 + Math.floor(random() * 12), y: birthYear };
  const [provinceCode, provinceName] = pick(PROVINCES);
  // ID: province (3) + century-and-sex digit (0/1 for 1900s, 2/3 for 2000s) + year (2) + 6 random digits.
  const centurySex = (birthYear >= 2000 ? 2 : 0) + (male ? 0 : 1);
  const idNumber = `${provinceCode}${centurySex}${String(birthYear % 100).padStart(2, '0')}${digits(6)}`;
  const issueYear = Math.max(2021, birthYear + 14);
  const issue = { d: 1 + Math.floor(random() * 28), m: 1 + Math.floor(random() * 12), y: issueYear };
  const family = pick(FAMILY);
  const fullName = `${family} ${male ? pick(MIDDLE_M) : pick(MIDDLE_F)} ${male ? pick(GIVEN_M) : pick(GIVEN_F)}`;
  const father = `${family} ${pick(MIDDLE_M)} ${pick(GIVEN_M)}`;
  const mother = `${pick(FAMILY)} ${pick(MIDDLE_F)} ${pick(GIVEN_F)}`;
  const married = birthYear < 1995 && random() < 0.7;
  const persona: Persona = {
    idNumber,
    fullName,
    dateOfBirth: formatDate(birth),
    sex: male ? 'Nam' : 'Nữ',
    nationality: 'Việt Nam',
    ethnicity: 'Kinh',
    religion: 'Không',
    placeOfOrigin: `Xã Đông Phong, Huyện Tiền Hải, ${provinceName}`,
    placeOfResidence: `Số ${1 + Math.floor(random() * 200)} ${pick(STREETS)}, Phường Bến Nghé, ${provinceName}`,
    identifyingFeatures: pick(FEATURES),
    dateOfIssue: formatDate(issue),
    dateOfExpiry: expiryFor(birth, issueYear),
    fatherName: father,
    motherName: mother,
  };
  if (married) persona.spouseName = `${pick(FAMILY)} ${male ? pick(MIDDLE_F) : pick(MIDDLE_M)} ${male ? pick(GIVEN_F) : pick(GIVEN_M)}`;
  if (birthYear < 2000) persona.oldIdNumber = digits(9);
  return persona;
}

/** CCCD validity ends on the birthday at 25, 40 or 60; from 60 on the card has no expiry. */
function expiryFor(birth: { d: number; m: number; y: number }, issueYear: number): string {
  const age = issueYear - birth.y;
  const limit = [25, 40, 60].find((a) => age < a - 2);
  return limit === undefined ? 'Không thời hạn' : formatDate({ ...birth, y: birth.y + limit });
}

function formatDate({ d, m, y }: { d: number; m: number; y: number }): string {
  return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`;
}

/** MRZ form of a Vietnamese name: no diacritics, Đ → D, family name first. */
export function mrzName(fullName: string): { primary: string; secondary: string } {
  const ascii = fullName.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toUpperCase();
  const [primary = '', ...rest] = ascii.split(/\s+/);
  return { primary, secondary: rest.join(' ') };
}

/** dd/mm/yyyy → YYMMDD; a card without expiry carries 991231 in its MRZ (assumption, see notes). */
export function toYymmdd(date: string): string {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(date);
  if (!m) return '991231';
  return `${m[3]!.slice(2)}${m[2]}${m[1]}`;
}
