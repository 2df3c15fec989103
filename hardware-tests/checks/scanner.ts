/** The QR / MRZ scanner: its port opens and a scan arrives. What was scanned stays out of the report. */
import { isAbsent, type Check } from '../types.ts';
import { fail, failFrom, skip } from './outcome.ts';

export const scannerScan: Check = {
  id: 'scanner.scan',
  title: 'QR scanner reads a scan',
  titleVi: 'Máy quét QR đọc được mã',
  timeoutMs: 120_000,
  async run(ctx, signal) {
    let lease: Awaited<ReturnType<typeof ctx.devices.scanner>>;
    try {
      lease = await ctx.devices.scanner();
    } catch (error) {
      return failFrom(error, `The scanner's serial port does not open: check its cable and scanner.path in site.json (ls /dev/ttyACM* /dev/ttyUSB*)`, 'Không mở được cổng của máy quét: kiểm tra cáp và scanner.path trong site.json (ls /dev/ttyACM* /dev/ttyUSB*)');
    }
    if (isAbsent(lease)) return skip(lease.absent);
    if (!ctx.interactive) return skip({ en: 'the port opens; a scan needs a person: run xacminh self-test --interactive at the terminal', vi: 'cổng mở được; cần người quét mã: chạy xacminh self-test --interactive tại máy' }, { portOpen: true });
    ctx.say({ vi: `Quét mã QR trên mặt trước thẻ CCCD (trong ${Math.round(ctx.limits.personWaitMs / 1000)} giây)…`, en: `Scan the QR code on the front of an ID card (within ${Math.round(ctx.limits.personWaitMs / 1000)} s)…` });
    const scan = await lease.next(ctx.limits.personWaitMs, signal);
    if (!scan) return fail('No scan arrived: check the scanner beeps when it reads, its cable, and scanner.baudRate / framing in site.json', 'Không nhận được mã quét: kiểm tra máy quét có kêu khi đọc, cáp nối, và scanner.baudRate / framing trong site.json', { portOpen: true, scanned: false }, { waitMs: ctx.limits.personWaitMs });
    // The card check may use the key the QR gave (in memory only; the report says only that a key was read).
    if (scan.key) ctx.shared.scannedKey = scan.key;
    return { status: 'pass', measured: { portOpen: true, scanned: true, kind: scan.kind } };
  },
};
