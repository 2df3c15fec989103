/**
 * The terminal's standing alarms (today: the device certificate running out), for the operator's screen:
 * a clerk is the one person always at the terminal, so what needs a technician is shown there, in Vietnamese.
 */
import { EventEmitter } from 'node:events';
import type { CertificateSummary } from './identity-renewal.ts';

export interface TerminalAlarm {
  code: 'CERTIFICATE_EXPIRING' | 'CERTIFICATE_EXPIRED';
  message: string;
  messageVi: string;
}

/** Emits 'change' whenever the set of alarms changes. */
export class AlarmBoard extends EventEmitter {
  private readonly alarms = new Map<TerminalAlarm['code'], TerminalAlarm>();

  /** The site config's timeZone (the agent sets it): the dates in the messages are the terminal's, as every time on the operator page. */
  constructor(public timeZone = 'Asia/Ho_Chi_Minh') {
    super();
  }

  current(): TerminalAlarm[] {
    return [...this.alarms.values()];
  }

  /** The certificate alarms follow the renewal's summary: at most one of them stands at a time. */
  certificate(summary: CertificateSummary | undefined): void {
    const alarm = certificateAlarm(summary, this.timeZone);
    const before = JSON.stringify(this.current());
    this.alarms.delete('CERTIFICATE_EXPIRING');
    this.alarms.delete('CERTIFICATE_EXPIRED');
    if (alarm) this.alarms.set(alarm.code, alarm);
    if (JSON.stringify(this.current()) !== before) this.emit('change');
  }
}

export function certificateAlarm(summary: CertificateSummary | undefined, timeZone = 'Asia/Ho_Chi_Minh'): TerminalAlarm | null {
  if (!summary?.alarm) return null;
  const day = new Date(summary.notAfter).toLocaleDateString('vi-VN', { timeZone });
  if (summary.state === 'expired') {
    return {
      code: 'CERTIFICATE_EXPIRED',
      message: `The device certificate expired on ${summary.notAfter}: events cannot reach the central system. A technician must re-enrol the terminal (xacminh provision with a new enrolment code).`,
      messageVi: `Chứng thư của máy đã hết hạn ngày ${day}: kết quả xác minh không gửi được về trung tâm. Hãy gọi kỹ thuật viên để cấp lại (xacminh provision với mã cấp mới).`,
    };
  }
  return {
    code: 'CERTIFICATE_EXPIRING',
    message: `The device certificate expires on ${summary.notAfter} (${summary.daysLeft} days left) and could not be renewed: a technician should check the connection to the enrolment service.`,
    messageVi: `Chứng thư của máy hết hạn ngày ${day} (còn ${summary.daysLeft} ngày) mà chưa gia hạn được: hãy báo kỹ thuật viên kiểm tra kết nối tới dịch vụ cấp chứng thư.`,
  };
}
