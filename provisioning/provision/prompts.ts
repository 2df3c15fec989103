/**
 * The interactive `xacminh provision`: one question per answer, Vietnamese by default, each with its
 * default in [brackets] (from the data dir on a re-run), re-asked until the value is valid. The answers
 * then go through the same strict schema as an answers file.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { XacminhError } from '../../drivers/errors.ts';
import { configProblems } from '../../agent/config/issues.ts';
import { BUSINESS_TYPES, siteProfileSchema, type SiteProfile } from '../../agent/config/site-profile.ts';
import { answersSchema, parseAnswers, type Answers } from './answers.ts';
import type { Lang } from './summary.ts';

export interface PromptDefaults {
  url?: string;
  caFingerprint?: string;
  siteId?: string;
  deviceId?: string;
  profile?: Partial<SiteProfile>;
  technician?: string;
  inspector?: string;
  pins?: string[];
  cameraKind?: 'v4l2' | 'rpicam';
  /** The data dir has an enrolment: the code may be left empty. */
  enrolled?: boolean;
}

type Text = { vi: string; en: string };

const enrolment = answersSchema.shape.enrolment.shape;
const profile = siteProfileSchema.shape;

export async function promptAnswers(input: Readable, write: (s: string) => void, lang: Lang, defaults: PromptDefaults = {}): Promise<Answers> {
  const rl = createInterface({ input, terminal: false });
  // The iterator buffers lines that arrive before their question (piped input arrives all at once).
  const lines = rl[Symbol.asyncIterator]();
  const t = (text: Text) => text[lang];
  const echoed = (input as { isTTY?: boolean }).isTTY === true;
  const ask = async <T>(label: Text, schema: z.ZodType<T>, options: { default?: string | undefined; convert?: (s: string) => unknown } = {}): Promise<T> => {
    for (;;) {
      write(`${t(label)}${options.default !== undefined && options.default !== '' ? ` [${options.default}]` : ''}: `);
      const next = await lines.next();
      if (next.done) throw new XacminhError('INVALID_INPUT', 'the input ended before every question was answered', { linesVi: ['Dữ liệu nhập kết thúc trước khi trả lời hết các câu hỏi'] });
      const typed = String(next.value).trim();
      // Piped answers are not echoed by a terminal: echo them, so that the transcript reads as a dialogue.
      if (!echoed) write(`${typed}\n`);
      const text = typed === '' ? (options.default ?? '') : typed;
      const parsed = schema.safeParse(options.convert ? options.convert(text) : text, { reportInput: true });
      if (parsed.success) return parsed.data;
      const problem = configProblems(parsed.error.issues)[0];
      write(`  ${lang === 'vi' ? `Không hợp lệ: ${problem?.messageVi ?? ''}` : `Not valid: ${problem?.message ?? ''}`}. ${lang === 'vi' ? 'Nhập lại.' : 'Try again.'}\n`);
    }
  };
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const yesNo = (s: string) => (/^(c|có|co|y|yes)$/i.test(s) ? true : /^(k|không|khong|n|no)$/i.test(s) ? false : s);
  const number = (s: string) => (/^\d+$/.test(s) ? Number(s) : s);
  const optional = (s: string) => (s === '' || s === '-' ? undefined : s);

  try {
    write(lang === 'vi' ? 'Cài đặt thiết bị xác minh. Nhấn Enter để giữ giá trị trong [ ].\n' : 'Terminal provisioning. Press Enter to keep the value in [ ].\n');
    const url = await ask({ vi: 'Địa chỉ dịch vụ đăng ký (https://…)', en: 'Enrolment service URL (https://…)' }, enrolment.url, { default: defaults.url });
    const caFingerprint = await ask({ vi: 'Dấu vân tay SHA-256 của CA đăng ký', en: "Enrolment CA's SHA-256 fingerprint" }, enrolment.caFingerprint, { default: defaults.caFingerprint });
    const code = defaults.enrolled
      ? await ask({ vi: 'Mã đăng ký một lần (Enter: giữ đăng ký hiện tại)', en: 'One-time enrolment code (Enter: keep the current enrolment)' }, enrolment.code, { convert: optional })
      : await ask({ vi: 'Mã đăng ký một lần', en: 'One-time enrolment code' }, enrolment.code.unwrap());
    const siteId = await ask({ vi: 'Mã cơ sở (siteId)', en: 'Site id' }, answersSchema.shape.siteId, { default: defaults.siteId });
    const deviceId = await ask({ vi: 'Mã thiết bị (deviceId)', en: 'Device id' }, answersSchema.shape.deviceId, { default: defaults.deviceId ?? 'quay-1' });
    const p = defaults.profile ?? {};
    const businessName = await ask({ vi: 'Tên cơ sở kinh doanh', en: 'Business name' }, profile.businessName, { default: p.businessName });
    const licenceNumber = await ask({ vi: 'Số giấy phép / đăng ký kinh doanh', en: 'Licence number' }, profile.licenceNumber, { default: p.licenceNumber });
    const businessType = await ask({ vi: `Loại hình (${BUSINESS_TYPES.join(', ')})`, en: `Business type (${BUSINESS_TYPES.join(', ')})` }, profile.businessType, { default: p.businessType ?? 'pawnshop' });
    const address = await ask({ vi: 'Địa chỉ', en: 'Address' }, profile.address, { default: p.address });
    const policeUnit = await ask({ vi: 'Đơn vị công an quản lý', en: 'Supervising police unit' }, profile.policeUnit, { default: p.policeUnit });
    const contactName = await ask({ vi: 'Người liên hệ', en: 'Contact name' }, profile.contact.shape.name, { default: p.contact?.name });
    const contactPhone = await ask({ vi: 'Số điện thoại liên hệ', en: 'Contact phone' }, profile.contact.shape.phone, { default: p.contact?.phone });
    const retentionDays = await ask({ vi: 'Số ngày lưu dữ liệu (theo quy định cho loại hình này)', en: 'Data retention in days (as the law sets for this business type)' }, profile.retentionDays, {
      default: String(p.retentionDays ?? 730),
      convert: number,
    });
    const faceRequired = await ask({ vi: 'Bắt buộc đối chiếu khuôn mặt? (c/k)', en: 'Face match required? (y/n)' }, profile.faceRequired, {
      default: (p.faceRequired ?? true) ? (lang === 'vi' ? 'c' : 'y') : lang === 'vi' ? 'k' : 'n',
      convert: yesNo,
    });
    const technician = await ask({ vi: 'Tên đăng nhập kỹ thuật viên', en: 'Technician username' }, answersSchema.shape.accounts.element.shape.username, { default: defaults.technician ?? 'kythuat' });
    const inspector = await ask(
      { vi: 'Tên đăng nhập cán bộ kiểm tra (để trống nếu chưa có)', en: 'Police inspector username (empty for none)' },
      answersSchema.shape.accounts.element.shape.username.optional(),
      { default: defaults.inspector, convert: optional },
    );
    const imports = await ask({ vi: 'Tệp CSCA / danh sách chủ (.ml) / CRL cần nhập, cách nhau bởi dấu phẩy (để trống nếu không có)', en: 'CSCA / master list (.ml) / CRL files to import, comma-separated (empty for none)' }, answersSchema.shape.trust.unwrap().shape.import, { convert: list });
    const pins = await ask({ vi: 'Dấu vân tay người ký danh sách chủ được tin cậy, cách nhau bởi dấu phẩy', en: 'Trusted master list signer fingerprints, comma-separated' }, answersSchema.shape.trust.unwrap().shape.masterListSigners, {
      default: (defaults.pins ?? []).join(','),
      convert: list,
    });
    const cameraKind = await ask({ vi: 'Camera (v4l2 = camera USB, rpicam = camera Raspberry Pi)', en: 'Camera (v4l2 = USB camera, rpicam = Raspberry Pi camera)' }, z.enum(['v4l2', 'rpicam']), {
      default: defaults.cameraKind ?? 'v4l2',
    });
    const scanner = await ask({ vi: 'Cổng máy quét QR (ví dụ /dev/ttyACM0; để trống nếu không có)', en: 'QR scanner port (e.g. /dev/ttyACM0; empty for none)' }, z.string().min(1).optional(), { convert: optional });
    return parseAnswers(
      {
        enrolment: { url, caFingerprint, ...(code ? { code } : {}) },
        siteId,
        deviceId,
        profile: { businessName, licenceNumber, businessType, address, policeUnit, contact: { name: contactName, phone: contactPhone }, retentionDays, faceRequired },
        accounts: [{ username: technician, role: 'technician' }, ...(inspector ? [{ username: inspector, role: 'inspector' }] : [])],
        trust: { import: imports, masterListSigners: pins },
        devices: { reader: { kind: 'pcsc' }, camera: { kind: cameraKind }, ...(scanner ? { scanner: { path: scanner } } : {}) },
      },
      lang === 'vi' ? 'câu trả lời' : 'answers',
    );
  } finally {
    rl.close();
  }
}
