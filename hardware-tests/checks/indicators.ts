/**
 * Lights, buzzer, relay and the operator button. Only a person can see a light or hear the buzzer: each
 * output is driven, read back from its pin, and the technician is asked; without a person the check skips.
 */
import type { Output } from '../../drivers/indicators/index.ts';
import { isAbsent, type Check, type SelfTestContext } from '../types.ts';
import { fail, failFrom, NEEDS_PERSON, skip, yesNo } from './outcome.ts';

const NAMES: Record<Output, { en: string; vi: string }> = {
  green: { en: 'the green LED light', vi: 'đèn xanh có sáng' },
  red: { en: 'the red LED light', vi: 'đèn đỏ có sáng' },
  busy: { en: 'the yellow (busy) LED light', vi: 'đèn vàng (đang xử lý) có sáng' },
  buzzer: { en: 'the buzzer sound', vi: 'còi có kêu' },
  relay: { en: 'the relay click (door/drawer)', vi: 'rơ-le có kêu tách (cửa/ngăn kéo)' },
};

export function outputCheck(output: Output): Check {
  return {
    id: `indicator.${output}`,
    title: `Indicator ${output} works`,
    titleVi: `Thiết bị báo ${NAMES[output].vi.split(' có ')[0]} hoạt động`,
    timeoutMs: 120_000,
    async run(ctx, signal) {
      const tester = await openTester(ctx);
      if ('status' in tester) return tester;
      if (!tester.outputs.includes(output)) return skip({ en: `no ${output} pin in site.json indicators.pins`, vi: `site.json không khai báo chân ${output} (indicators.pins)` });
      const readBack: (boolean | null)[] = [];
      try {
        readBack.push(tester.set(output, true));
        if (!ctx.interactive) {
          readBack.push(tester.set(output, false));
          if (readBack.some((r) => r === false)) return pinFault(output, readBack);
          return skip(NEEDS_PERSON, { readBack: readBack.every((r) => r === true) ? 'ok' : 'not available' });
        }
        let seen: boolean | null = null;
        // Asked again on an unclear answer, three times at most: at the end of input every answer is ''.
        for (let attempt = 0; seen === null && attempt < 3; attempt++) seen = yesNo(await ctx.ask({ vi: `Có thấy ${NAMES[output].vi} không? (c/k)`, en: `Did ${NAMES[output].en}? (y/n)` }, signal));
        if (seen === null) {
          tester.set(output, false);
          return skip({ en: 'no clear answer (c/k, y/n) from the technician', vi: 'kỹ thuật viên không trả lời rõ (c/k)' });
        }
        readBack.push(tester.set(output, false));
        if (readBack.some((r) => r === false)) return pinFault(output, readBack);
        const measured = { seen, readBack: readBack.every((r) => r === true) ? 'ok' : 'not available' };
        if (seen) return { status: 'pass', measured };
        return fail(`The technician did not see ${NAMES[output].en}: check its wiring, the pin number in site.json and indicators.activeLow`, `Kỹ thuật viên không thấy ${NAMES[output].vi}: kiểm tra dây nối, số chân trong site.json và indicators.activeLow`, measured);
      } catch (error) {
        return failFrom(error, `Cannot drive the ${output} pin: check that the xacminh user is in the gpio group`, `Không điều khiển được chân ${output}: kiểm tra người dùng xacminh thuộc nhóm gpio`);
      } finally {
        try {
          tester.set(output, false);
        } catch {
          // already reported above
        }
      }
    },
  };
}

export const buttonPressed: Check = {
  id: 'button.press',
  title: 'Operator button seen',
  titleVi: 'Nút bấm của nhân viên hoạt động',
  timeoutMs: 120_000,
  async run(ctx, signal) {
    const tester = await openTester(ctx);
    if ('status' in tester) return tester;
    if (!tester.hasButton) return skip({ en: 'no button pin in site.json indicators.pins', vi: 'site.json không khai báo chân nút bấm (indicators.pins.button)' });
    if (!ctx.interactive) return skip({ en: 'needs a person to press the button: run xacminh self-test --interactive at the terminal', vi: 'cần người bấm nút: chạy xacminh self-test --interactive tại máy' });
    const pressed = tester.waitPress(ctx.limits.personWaitMs, signal);
    ctx.say({ vi: `Bấm nút của nhân viên (trong ${Math.round(ctx.limits.personWaitMs / 1000)} giây)…`, en: `Press the operator button (within ${Math.round(ctx.limits.personWaitMs / 1000)} s)…` });
    if (await pressed) return { status: 'pass', measured: { pressed: true } };
    return fail('No button press was seen: check its wiring and the pin number in site.json', 'Không nhận được lần bấm nút: kiểm tra dây nối và số chân trong site.json', { pressed: false }, { waitMs: ctx.limits.personWaitMs });
  },
};

async function openTester(ctx: SelfTestContext) {
  try {
    const tester = await ctx.devices.indicators();
    return isAbsent(tester) ? skip(tester.absent) : tester;
  } catch (error) {
    return failFrom(error, 'The GPIO pins cannot be opened: check the pin numbers in site.json and that the xacminh user is in the gpio group', 'Không mở được chân GPIO: kiểm tra số chân trong site.json và người dùng xacminh thuộc nhóm gpio');
  }
}

function pinFault(output: Output, readBack: (boolean | null)[]) {
  return fail(`The ${output} pin does not hold the level written: another program uses it, or the pin number is wrong`, `Chân ${output} không giữ mức đã ghi: chương trình khác đang dùng chân này, hoặc số chân sai`, { readBack });
}
