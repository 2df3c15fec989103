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
  'too-bright': 'Chói quá — tránh đèn chiếu thẳng vào mặt',
  ok: 'Giữ yên',
};

export const CHALLENGE_TEXT = {
  blink: 'Chớp mắt một lần',
  'turn-left': 'Quay đầu sang trái rồi nhìn lại',
  'turn-right': 'Quay đầu sang phải rồi nhìn lại',
  nod: 'Gật đầu một lần rồi nhìn lại',
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
  outOfService: 'Máy tạm ngừng phục vụ — vui lòng liên hệ nhân viên',
  connected: 'Đã kết nối',
  disconnected: 'Mất kết nối — đang thử lại…',
  sent: 'Đã gửi',
  referenceSaved: 'Đã lưu mã hợp đồng',
  cancelled: 'Đã hủy lượt xác minh',
  noResults: 'Chưa có kết quả',
};

/** The terminal's time zone when the agent names none: the operator page shows times in it, not the browser's. */
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/**
 * What the customer reads on a result screen: what happened in neutral words and what to do next. The reasons'
 * own texts (messageVi) are for the clerk: they name suspected forgeries and technical causes, which do not
 * belong on a public screen. One outcome per result; the first reason that has one decides.
 */
export const CUSTOMER_OUTCOME = {
  verified: { text: '', next: 'Mời bạn nhận lại thẻ. Nhân viên sẽ hoàn tất thủ tục.' },
  card: { text: 'Không xác minh được thẻ — vui lòng liên hệ nhân viên', next: 'Mời bạn nhận lại thẻ và chờ nhân viên hỗ trợ.' },
  face: { text: 'Không xác minh được khuôn mặt — vui lòng liên hệ nhân viên', next: 'Mời bạn nhận lại thẻ và chờ nhân viên hỗ trợ.' },
  'face-again': { text: 'Chưa thấy rõ khuôn mặt', next: 'Nhìn thẳng vào camera, mở mắt, rồi đặt lại thẻ lên đầu đọc để thử lại.' },
  'read-again': { text: 'Chưa đọc xong thẻ', next: 'Đặt lại thẻ lên đầu đọc và giữ yên cho đến khi đọc xong để thử lại.' },
  'access-key': { text: 'Chưa mở được chip của thẻ', next: 'Mời bạn chờ nhân viên nhập lại số định danh, rồi đặt lại thẻ lên đầu đọc.' },
  cancelled: { text: 'Nhân viên đã hủy lượt xác minh', next: 'Mời bạn nhận lại thẻ.' },
  fault: { text: 'Máy gặp sự cố — vui lòng liên hệ nhân viên', next: 'Mời bạn nhận lại thẻ và chờ nhân viên hỗ trợ.' },
};

const CARD_CODES = [
  'chip-not-genuine', 'chip-cannot-tell', 'no-photo', 'MALFORMED_DATA', 'UNSUPPORTED', 'SECURITY_NOT_SATISFIED',
  'SOD_MISSING', 'SOD_UNREADABLE', 'SOD_MALFORMED', 'DG_HASH_MISMATCH', 'DG_MISSING_FROM_SOD', 'SOD_SIGNATURE_INVALID',
  'SIGNER_NOT_TRUSTED', 'DS_CHAIN_INVALID', 'DS_EXPIRED', 'DS_NOT_YET_VALID', 'CSCA_EXPIRED', 'DS_KEY_USAGE',
  'DS_REVOKED', 'CRL_INVALID', 'CRL_STALE', 'AA_FAILED', 'CA_FAILED', 'NO_AA_NO_CA',
];

/** Reason code (agent/labels.ts, the session's reasons, XacminhError codes) → CUSTOMER_OUTCOME key. */
export const CUSTOMER_OUTCOME_OF = {
  ...Object.fromEntries(CARD_CODES.map((code) => [code, 'card'])),
  'face-no-match': 'face',
  'chip-photo-small': 'face',
  'face-not-live': 'face',
  'face-no-face': 'face-again',
  'face-eyes-closed': 'face-again',
  'face-not-available': 'fault',
  'face-error': 'fault',
  'face-not-checked': 'verified',
  CARD_REMOVED: 'read-again',
  NO_CARD: 'read-again',
  TIMEOUT: 'read-again',
  SM_INVALID_MAC: 'read-again',
  SM_MALFORMED: 'read-again',
  ACCESS_DENIED: 'access-key',
  'access-key-retries': 'access-key',
  'access-key-timeout': 'access-key',
  INVALID_INPUT: 'access-key',
  CANCELLED: 'cancelled',
};

/** The customer's words for a finished PublicRecord: { text, next }; anything unforeseen reads as a fault. */
export function customerOutcome(record) {
  if (record.decision === 'verified') return CUSTOMER_OUTCOME.verified;
  for (const reason of record.reasons) {
    const key = CUSTOMER_OUTCOME_OF[reason.code];
    if (key && key !== 'verified') return CUSTOMER_OUTCOME[key];
  }
  return CUSTOMER_OUTCOME.fault;
}

// ---- The customer's screen (kiosk.js): what to do now, under the instruction, and the spoken prompts ----

/** One line under each state's instruction, for a first-time customer; the picture beside it shows the same. */
export const KIOSK_HINT = {
  idle: 'Đặt thẻ nằm phẳng lên đầu đọc như hình, rồi để yên',
  'access-key': 'Đưa mã QR ở góc trên mặt trước thẻ vào máy quét, hoặc chờ nhân viên nhập số định danh',
  'reading-chip': 'Không nhấc thẻ lên cho đến khi thanh màu vàng chạy hết',
  'checking-authenticity': 'Vui lòng chờ trong giây lát',
  face: 'Bỏ kính, khẩu trang và mũ nếu có; giữ mặt trong khung',
  deciding: 'Vui lòng chờ trong giây lát',
  recording: 'Vui lòng chờ trong giây lát',
};

/** The preview's words before the first guidance arrives, and when the camera picture is missing. */
export const PREVIEW_TEXT = {
  waiting: 'Đang bật camera…',
};

/**
 * Spoken prompts (ui.audio): clip id → what espeak-ng's Vietnamese voice says. Short, polite, one action each.
 * The page picks the clip for a state (kiosk.js clipFor); agent/ui/speech.ts turns each into a WAV file.
 */
export const AUDIO_TEXT = {
  idle: 'Xin mời đặt thẻ căn cước lên đầu đọc.',
  'access-key': 'Xin đưa mã QR trên thẻ vào máy quét, hoặc chờ nhân viên nhập số.',
  'reading-chip': 'Đang đọc thẻ. Xin giữ yên thẻ.',
  face: 'Xin nhìn thẳng vào camera.',
  blink: 'Xin chớp mắt một lần.',
  'turn-left': 'Xin quay đầu sang trái, rồi nhìn lại.',
  'turn-right': 'Xin quay đầu sang phải, rồi nhìn lại.',
  nod: 'Xin gật đầu một lần, rồi nhìn lại.',
  verified: 'Đã xác minh xong. Mời nhận lại thẻ.',
  'not-verified': 'Chưa xác minh được. Mời nhận lại thẻ và chờ nhân viên.',
  'out-of-service': 'Máy tạm ngừng phục vụ. Xin liên hệ nhân viên.',
};

/** Notices a site flow puts over the kiosk (flows/: business hours); the flow may send its own words instead. */
export const NOTICE_TEXT = {
  'counter-closed': 'Quầy đã đóng cửa. Vui lòng quay lại trong giờ làm việc.',
};
