/** Vietnamese labels and operator messages for what the chip holds and what can go wrong. */
import type { ErrorCode } from '../drivers/errors.ts';

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
  STORAGE_FAILED: 'Không lưu được kết quả vào sổ đăng ký (bộ nhớ đầy hoặc hỏng). Báo kỹ thuật viên; các kết quả đã lưu không bị mất.',
  NATIVE_MODULE: 'Phần mềm cài đặt chưa xong (thư viện chưa được biên dịch cho phiên bản Node.js này). Báo kỹ thuật viên; các kết quả đã lưu không bị mất.',
  REGISTER_TAMPERED: 'Sổ đăng ký không toàn vẹn: có dữ liệu bị sửa hoặc bị xóa. Giữ nguyên thiết bị và báo kỹ thuật viên.',
  OUTBOX_FULL: 'Hàng đợi gửi sự kiện đã đầy: kiểm tra kết nối mạng. Kết quả vẫn được lưu trên thiết bị.',
  CONFIG_INVALID: 'Cấu hình không hợp lệ. Báo kỹ thuật viên.',
  CAMERA_UNAVAILABLE: 'Không dùng được camera. Kiểm tra cáp camera.',
  MODEL_INVALID: 'Tệp mô hình khuôn mặt bị thiếu hoặc bị sửa. Báo kỹ thuật viên.',
  BROKER_UNAVAILABLE: 'Không dùng được máy chủ MQTT (broker không kết nối được, hoặc cổng của nó đang bị chương trình khác dùng). Báo kỹ thuật viên; kết quả vẫn được lưu trên thiết bị.',
};

/** Why a chip is not proven genuine, in the operator's words (the English detail follows on screen). */
export const AUTHENTICITY_MESSAGES: Record<string, string> = {
  SOD_MISSING: 'Chip không có dữ liệu ký số (EF.SOD): không chứng minh được dữ liệu trên thẻ là thật.',
  SOD_UNREADABLE: 'Chip từ chối cho đọc dữ liệu ký số (EF.SOD): không chứng minh được dữ liệu trên thẻ là thật.',
  SOD_MALFORMED: 'Dữ liệu ký số trên chip bị hỏng.',
  DG_HASH_MISMATCH: 'Dữ liệu trên chip đã bị sửa sau khi cấp thẻ: nghi thẻ giả.',
  DG_MISSING_FROM_SOD: 'Có dữ liệu trên chip không được cơ quan cấp ký.',
  SOD_SIGNATURE_INVALID: 'Chữ ký số của cơ quan cấp thẻ không hợp lệ: nghi thẻ giả.',
  SIGNER_NOT_TRUSTED: 'Thẻ được ký bởi cơ quan không có trong danh sách tin cậy.',
  DS_CHAIN_INVALID: 'Chứng thư của người ký không do CSCA xác nhận.',
  DS_EXPIRED: 'Chứng thư của người ký thẻ đã hết hạn.',
  DS_NOT_YET_VALID: 'Chứng thư của người ký thẻ chưa có hiệu lực.',
  CSCA_EXPIRED: 'Chứng thư CSCA đã hết hạn.',
  DS_KEY_USAGE: 'Chứng thư của người ký không được phép ký số.',
  DS_REVOKED: 'Chứng thư của người ký đã bị thu hồi.',
  CRL_INVALID: 'Danh sách thu hồi (CRL) không hợp lệ.',
  CRL_STALE: 'Danh sách thu hồi (CRL) đã quá hạn: chưa biết chứng thư người ký có bị thu hồi gần đây không. Báo kỹ thuật viên cập nhật CRL.',
  AA_FAILED: 'Chip không chứng minh được khóa xác thực chủ động: nghi chip sao chép.',
  CA_FAILED: 'Chip không chứng minh được khóa xác thực chip: nghi chip sao chép.',
  NO_AA_NO_CA: 'Thẻ không hỗ trợ xác thực chủ động lẫn xác thực chip: không loại trừ được chip sao chép.',
};

/** Why a verification did not pass, beyond chip errors and authenticity: face step and session outcomes. */
export const SESSION_MESSAGES: Record<string, string> = {
  'face-no-match': 'Khuôn mặt không khớp với ảnh trong chip.',
  'chip-photo-small': 'Ảnh trong chip quá nhỏ để so khớp tin cậy — hãy đối chiếu trực tiếp khuôn mặt khách với thẻ.',
  'face-not-live': 'Không xác nhận được người thật trước camera (có thể là ảnh in hoặc màn hình).',
  'face-no-face': 'Không thấy rõ khuôn mặt trước camera.',
  'face-eyes-closed': 'Khách nhắm mắt trong mọi khung hình — mời khách mở mắt, nhìn thẳng vào camera rồi thử lại.',
  'face-not-available': 'Bước so khớp khuôn mặt không chạy được trên máy này.',
  'face-not-checked': 'Không kiểm tra khuôn mặt (cấu hình của điểm này cho phép).',
  'face-error': 'Bước so khớp khuôn mặt gặp lỗi.',
  'access-key-timeout': 'Chưa nhận được số định danh hoặc mã QR để mở chip.',
  'access-key-retries': 'Nhập sai khóa truy cập quá số lần cho phép.',
  'chip-not-genuine': 'Không chứng minh được thẻ là thẻ thật.',
  'chip-cannot-tell': 'Không đủ căn cứ để khẳng định thẻ là thẻ thật.',
  'no-photo': 'Chip không có ảnh chân dung.',
};
