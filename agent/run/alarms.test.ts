// The certificate alarm's date is the terminal's (site config timeZone), not the process's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AlarmBoard, certificateAlarm } from './alarms.ts';

const summary = { notAfter: '2026-12-01T20:00:00.000Z', daysLeft: 3, state: 'expiring' as const, alarm: true };

test("the expiry day is the terminal's: 2 Dec in Vietnam, 1 Dec in New York, for the same instant", () => {
  assert.match(certificateAlarm(summary)!.messageVi, 'hết hạn ngày 2/12/2026');
  assert.match(certificateAlarm(summary, 'America/New_York')!.messageVi, 'hết hạn ngày 1/12/2026');
  const board = new AlarmBoard('America/New_York');
  board.certificate(summary);
  assert.match(board.current()[0]!.messageVi, 'hết hạn ngày 1/12/2026');
});

test.run();
