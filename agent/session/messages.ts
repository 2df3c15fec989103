/** What the kiosk tells the customer in each state, in Vietnamese: one table for the session and the pages. */
import type { SessionState } from './events.ts';

export const STATE_MESSAGES: Record<SessionState | 'busy' | 'wrongKey', string> = {
  idle: 'Đặt thẻ CCCD gắn chip lên đầu đọc',
  'access-key': 'Quét mã QR trên thẻ hoặc nhập số định danh cá nhân',
  'reading-chip': 'Đang đọc chip — giữ yên thẻ trên đầu đọc',
  'checking-authenticity': 'Đang kiểm tra thẻ thật',
  face: 'Nhìn thẳng vào camera',
  deciding: 'Đang so khớp khuôn mặt',
  recording: 'Đang lưu kết quả',
  result: 'Đã có kết quả',
  offline: 'Máy tạm thời chưa xác minh được',
  busy: 'Đang xác minh cho khách trước, vui lòng chờ',
  wrongKey: 'Chip từ chối khóa truy cập — kiểm tra và nhập lại số định danh',
};

const GUIDANCE_MESSAGES: Record<string, string> = {
  'no-face': 'Nhìn vào camera',
  'multiple-faces': 'Chỉ một người trước camera',
  'move-closer': 'Đưa mặt lại gần hơn',
  'move-back': 'Lùi ra xa một chút',
  'center-face': 'Đưa mặt vào giữa khung hình',
  'look-straight': 'Nhìn thẳng vào camera',
  'hold-still': 'Giữ yên',
  'too-dark': 'Chỗ này tối quá, bật thêm đèn',
  'too-bright': 'Chỗ này chói quá',
  blink: 'Chớp mắt một lần',
  'turn-left': 'Quay đầu sang trái rồi nhìn lại',
  'turn-right': 'Quay đầu sang phải rồi nhìn lại',
  ok: 'Giữ yên',
};

export function guidanceMessage(code: string): string {
  return GUIDANCE_MESSAGES[code] ?? STATE_MESSAGES.face;
}
