// Every Vietnamese text the kiosk and operator pages show, in one table. The server imports it too, so an
// error the server reports reads the same as the one the page finds itself. Keys of STATE_TEXT are the
// session's SessionState values (agent/session/events.ts); a test checks none is missing.

export const STATE_TEXT = {
  idle: { title: 'Sẵn sàng', instruction: 'Đặt thẻ CCCD gắn chip lên đầu đọc' },
  'access-key': { title: 'Khóa truy cập', instruction: 'Quét mã QR trên thẻ hoặc nhập số định danh cá nhân' },
  'reading-chip': { title: 'Đọc chip', instruction: 'Đang đọc chip — giữ yên thẻ trên đầu đọc' },
  'checking-authenticity': { title: 'Kiểm tra thẻ', instruction: 'Đang kiểm tra thẻ thật' },
  face: { title: 'Khuôn mặt', instruction: 'Nhìn thẳng vào camera' },
  deciding: { title: 'So khớp', instruction: 'Đang so khớp khuôn mặt' },
  recording: { title: 'Lưu kết quả', instruction: 'Đang lưu kết quả' },
  result: { title: 'Kết quả', instruction: 'Đã có kết quả' },
  offline: { title: 'Tạm ngừng', instruction: 'Máy tạm thời chưa xác minh được' },
};

/** Face guidance codes (models/types.ts FaceGuidance) and liveness challenges (ChallengeKind). */
export const GUIDANCE_TEXT = {
  'no-face': 'Nhìn vào camera',
  'multiple-faces': 'Chỉ một người trước camera',
  'move-closer': 'Đưa mặt lại gần hơn',
  'move-back': 'Lùi ra xa một chút',
  'center-face': 'Đưa mặt vào giữa khung hình',
  'look-straight': 'Nhìn thẳng vào camera',
  'hold-still': 'Giữ yên',
  'too-dark': 'Chỗ này tối quá, bật thêm đèn',
  'too-bright': 'Chỗ này chói quá',
  ok: 'Giữ yên',
};

export const CHALLENGE_TEXT = {
  blink: 'Chớp mắt một lần',
  'turn-left': 'Quay đầu sang trái rồi nhìn lại',
  'turn-right': 'Quay đầu sang phải rồi nhìn lại',
};

export const RESULT_TEXT = {
  verified: 'Đã xác minh',
  rejected: 'Không xác minh được',
  error: 'Không xác minh được',
};

/** Operator-page errors: keys are validation outcomes (validate.js) and the server's error codes. */
export const ERROR_TEXT = {
  empty: 'Hãy nhập số định danh cá nhân, hoặc dán mã QR / MRZ của thẻ',
  'id-length': 'Số định danh cá nhân phải gồm đúng 12 chữ số',
  'unknown-format': 'Không nhận ra: nhập 12 chữ số định danh, hoặc dán nguyên mã QR / MRZ của thẻ',
  'too-long': 'Nội dung quá dài — chỉ dán mã QR hoặc MRZ của thẻ',
  'reference-too-long': 'Mã hợp đồng / phòng tối đa 64 ký tự, không có ký tự điều khiển',
  'access-key-invalid': 'Số định danh, mã QR hoặc MRZ không đúng — kiểm tra và nhập lại',
  INVALID_INPUT: 'Dữ liệu không hợp lệ — kiểm tra và nhập lại',
  BUSY: 'Đang xác minh cho khách trước, vui lòng chờ',
  UNAUTHORIZED: 'Thiếu hoặc sai mã vận hành — mở lại trang bằng đường dẫn có ?token=…',
  TOO_LARGE: 'Nội dung gửi lên quá lớn',
  UNSUPPORTED_MEDIA_TYPE: 'Yêu cầu sai định dạng',
  FORBIDDEN: 'Yêu cầu bị từ chối',
  TOO_MANY_STREAMS: 'Quá nhiều màn hình đang theo dõi máy này — đóng bớt trang rồi thử lại',
  NETWORK: 'Không kết nối được với máy xác minh',
  INTERNAL: 'Có lỗi trong máy — thử lại hoặc gọi kỹ thuật',
};

export const UI_TEXT = {
  connected: 'Đã kết nối',
  disconnected: 'Mất kết nối — đang thử lại…',
  sent: 'Đã gửi',
  referenceSaved: 'Đã lưu mã hợp đồng',
  cancelled: 'Đã hủy lượt xác minh',
  noResults: 'Chưa có kết quả',
};
