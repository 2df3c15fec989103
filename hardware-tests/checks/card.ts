/**
 * The card reader (PC/SC): present and answering, and a card laid by the technician read and authenticated.
 * The report says only "read: yes" and the verdict; names and ID numbers never leave this module.
 */
import { accessKeyFromCan, accessKeyFromIdNumber, type AccessKey } from '../../drivers/emrtd/access-key.ts';
import { checkAuthenticity } from '../../drivers/emrtd/authenticity/verdict.ts';
import { readDocument } from '../../drivers/emrtd/read-document.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import { isAbsent, type Check, type SelfTestContext } from '../types.ts';
import { fail, failFrom, skip } from './outcome.ts';

function readerFilter(ctx: SelfTestContext): string | undefined {
  return ctx.config.reader.kind === 'pcsc' ? ctx.config.reader.name : undefined;
}

export const readerPresent: Check = {
  id: 'reader.present',
  title: 'Card reader present and answering',
  titleVi: 'Đầu đọc thẻ có mặt và hoạt động',
  async run(ctx) {
    const pcsc = ctx.devices.pcsc();
    if (isAbsent(pcsc)) return skip(pcsc.absent);
    const filter = readerFilter(ctx);
    let readers: Awaited<ReturnType<typeof pcsc.readers>>;
    try {
      readers = await pcsc.readers();
    } catch (error) {
      ctx.shared.readerDown = true;
      return failFrom(error, 'pcscd does not answer: systemctl start pcscd, then plug the reader in again', 'pcscd không phản hồi: chạy systemctl start pcscd rồi cắm lại đầu đọc');
    }
    const matching = readers.filter((r) => !filter || r.name.toLowerCase().includes(filter.toLowerCase()));
    const measured: Record<string, unknown> = { readers: readers.map((r) => r.name), configured: filter ?? '(any)' };
    const limits = { readers: '>= 1' };
    if (matching.length === 0) {
      ctx.shared.readerDown = true;
      return fail(
        `No card reader${filter ? ` named like "${filter}"` : ''}: check the USB cable, lsusb, and reader.name in site.json`,
        `Không thấy đầu đọc thẻ${filter ? ` có tên "${filter}"` : ''}: kiểm tra cáp USB, lệnh lsusb và reader.name trong site.json`,
        measured,
        limits,
      );
    }
    const withCard = matching.find((r) => r.atr);
    if (withCard?.atr) measured.atr = Buffer.from(withCard.atr).toString('hex').toUpperCase();
    measured.reader = (withCard ?? matching[0]!).name;
    return { status: 'pass', measured, limits };
  },
};

export const cardRead: Check = {
  id: 'card.read',
  title: 'A card read and authenticated',
  titleVi: 'Đọc và xác thực một thẻ',
  timeoutMs: 120_000,
  async run(ctx, signal) {
    const pcsc = ctx.devices.pcsc();
    if (isAbsent(pcsc)) return skip(pcsc.absent);
    if (ctx.shared.readerDown) return skip({ en: 'no reader to lay a card on (see reader.present)', vi: 'không có đầu đọc để đặt thẻ (xem reader.present)' });
    let key = ctx.shared.scannedKey;
    if (!ctx.interactive) {
      // Without a person nobody lays a card or says its number.
      if (!key) return skip({ en: 'needs a person to lay a card and give its ID number or CAN (run with --interactive)', vi: 'cần người đặt thẻ và nhập số định danh hoặc CAN (chạy với --interactive)' });
    } else if (!key) {
      // A mistyped number is asked again (three tries), not a failed reader.
      for (let attempt = 0; !key && attempt < 3; attempt++) {
        const answer = await ctx.ask({ vi: 'Đặt một thẻ CCCD lên đầu đọc và nhập số định danh (12 số) hoặc CAN (6 số); Enter để bỏ qua:', en: 'Lay an ID card on the reader and type its 12-digit ID number or 6-digit CAN; Enter to skip:' }, signal);
        if (!answer) return skip({ en: 'the technician skipped the card step', vi: 'kỹ thuật viên bỏ qua bước đọc thẻ' });
        try {
          key = accessKeyFrom(answer);
        } catch {
          ctx.say({ vi: 'Không phải số định danh (12 số) hay CAN (6 số): nhập lại.', en: 'That is neither a 12-digit ID number nor a 6-digit CAN: type it again.' });
        }
      }
      if (!key) return skip({ en: 'no valid ID number or CAN was typed', vi: 'không nhập được số định danh hoặc CAN hợp lệ' });
    }
    let card: Awaited<ReturnType<typeof pcsc.card>>;
    try {
      card = await pcsc.card(readerFilter(ctx), ctx.limits.personWaitMs, signal);
    } catch (error) {
      return failFrom(error, 'Cannot reach the reader', 'Không kết nối được đầu đọc');
    }
    if (!card) return skip({ en: 'no card was laid on the reader', vi: 'không có thẻ trên đầu đọc' });
    try {
      const document = await readDocument(card.transport, key, { signal });
      const authenticity = checkAuthenticity(document, await ctx.trust());
      // Personal data stops here: the verdict and counts only.
      const measured = { read: true, accessProtocol: document.accessProtocol, files: document.files.size, verdict: authenticity.verdict, passive: authenticity.passive.ok, active: authenticity.active.status, chip: authenticity.chip.status };
      if (authenticity.verdict === 'genuine') return { status: 'pass', measured };
      return { status: 'marginal', measured, hint: `The card was read but not proven genuine (${authenticity.verdict}): check the trust store holds this country's CSCA and CRL`, hintVi: `Đã đọc thẻ nhưng chưa xác thực được là thật (${authenticity.verdict}): kiểm tra kho tin cậy có CSCA và CRL phù hợp` };
    } catch (error) {
      if (isXacminhError(error, 'ACCESS_DENIED')) return fail('The chip refused the access key: retype the ID number or CAN of the card on the reader', 'Chip từ chối khóa truy cập: nhập lại đúng số định danh hoặc CAN của thẻ đang đặt', { read: false, error: 'ACCESS_DENIED' });
      return failFrom(error, 'The card could not be read: hold it still on the reader and try again; if it keeps failing, the reader or its antenna is faulty', 'Không đọc được thẻ: giữ yên thẻ trên đầu đọc rồi thử lại; nếu vẫn lỗi, đầu đọc có thể hỏng', { read: false });
    } finally {
      await card.release();
    }
  },
};

function accessKeyFrom(answer: string): AccessKey {
  const digits = answer.replace(/\s/g, '');
  return digits.length === 6 ? accessKeyFromCan(digits) : accessKeyFromIdNumber(digits);
}
