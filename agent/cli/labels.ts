/** Vietnamese labels and operator messages for what the chip holds and what can go wrong. */
import type { ErrorCode } from '../../drivers/errors.ts';

export const DG13_LABELS: [key: string, label: string][] = [
  ['idNumber', 'Số định danh cá nhân'],
  ['fullName', 'Họ và tên'],
  ['dateOfBirth', 'Ngày sinh'],
  ['sex', 'Giới tính'],
  ['nationality', 'Quốc tịch'],
  ['ethnicity', 'Dân tộc'],
  ['religion', 'Tôn giáo'],
  ['placeOfOrigin', 'Quê quán'],
  ['placeOfResidence', 'Nơi thường trú'],
  ['identifyingFeatures', 'Đặc điểm nhận dạng'],
  ['dateOfIssue', 'Ngày cấp'],
  ['dateOfExpiry', 'Có giá trị đến'],
  ['fatherName', 'Họ tên cha'],
  ['motherName', 'Họ tên mẹ'],
  ['spouseName', 'Họ tên vợ/chồng'],
  ['oldIdNumber', 'Số CMND cũ'],
];

/** What the operator sees for each failure: Vietnamese first, the English detail after. */
export const OPERATOR_MESSAGES: Partial<Record<ErrorCode, string>> = {
  NO_READER: 'Không tìm thấy đầu đọc thẻ. Kiểm tra cáp USB của đầu đọc.',
  NO_CARD: 'Chưa có thẻ trên đầu đọc. Đặt thẻ CCCD lên đầu đọc và giữ yên.',
  CARD_REMOVED: 'Thẻ đã bị nhấc ra khi đang đọc. Đặt lại thẻ và giữ yên cho đến khi đọc xong.',
  READER_BUSY: 'Đầu đọc đang được chương trình khác sử dụng.',
  TIMEOUT: 'Thẻ không trả lời. Đặt lại thẻ vào giữa đầu đọc.',
  PCSC_UNAVAILABLE: 'Dịch vụ đầu đọc (pcscd) chưa chạy.',
  ACCESS_DENIED: 'Chip từ chối khóa truy cập. Kiểm tra lại thông tin đã nhập.',
  SECURITY_NOT_SATISFIED: 'Thẻ không cho đọc một tệp dữ liệu.',
  SM_INVALID_MAC: 'Dữ liệu từ chip không toàn vẹn (sai mã xác thực). Đọc lại thẻ.',
  SM_MALFORMED: 'Chip trả lời không đúng định dạng. Đọc lại thẻ.',
  MALFORMED_DATA: 'Dữ liệu trên chip không đúng định dạng.',
  UNSUPPORTED: 'Thẻ dùng giao thức chưa được hỗ trợ.',
  INVALID_INPUT: 'Thông tin nhập vào không hợp lệ.',
  CANCELLED: 'Đã hủy.',
};
