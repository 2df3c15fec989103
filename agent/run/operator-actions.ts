/**
 * The operator's actions as the pages get them: the session's own (access key, reference for the current
 * verification, cancel, retry the face step) and those on a verification already recorded, which the session
 * cannot do because it knows nothing of the register. Those are written as register 'operator' entries
 * (FORMAT.md "Entry kinds"): `{verificationId, verificationSeq, action, by: 'operator'}` public, the reference
 * itself sealed (it may name the customer's contract).
 */
import { isXacminhError } from '../../drivers/errors.ts';
import type { OperatorActions, SessionActions } from '../session/events.ts';
import type { SessionLogger } from '../session/session.ts';
import { prepareReference } from '../ui/public/validate.js';
import { OPERATOR_MESSAGES } from '../labels.ts';

/** The part of the register (agent/register/register.ts, format 2) these actions use. */
export interface OperatorRegister {
  get(id: string): { summary: { seq: number; id: string } } | null;
  read(seq: number): { kind: string } | null;
  appendEntry(kind: 'operator', publicPart: object, sealedPart?: object): unknown;
}

export const OPERATOR_ACTION_TEXT = {
  notRecorded: 'Không tìm thấy lượt xác minh này trong sổ ghi — chỉ thêm được số hợp đồng cho lượt đã có kết quả',
  invalidReference: 'Số hợp đồng / phòng phải có từ 1 đến 64 ký tự, không có ký tự điều khiển',
  registerClosed: 'Sổ ghi chưa mở — không ghi được, gọi kỹ thuật',
  writeFailed: 'Không ghi được vào sổ —',
  retryUnavailable: 'Máy này chưa hỗ trợ chụp lại khuôn mặt',
};

export function operatorActions(
  session: SessionActions & Partial<Pick<OperatorActions, 'retryFace'>>,
  register: () => OperatorRegister | undefined,
  log: SessionLogger,
): OperatorActions {
  /** One operator entry for a recorded verification; a Vietnamese reason when it cannot be written. */
  function record(verificationId: string, action: 'reference' | 'retry-face', sealed?: object): { ok: boolean; reasonVi?: string } {
    const open = register();
    if (!open) return { ok: false, reasonVi: OPERATOR_ACTION_TEXT.registerClosed };
    try {
      const found = open.get(verificationId);
      if (!found || open.read(found.summary.seq)?.kind !== 'verification') return { ok: false, reasonVi: OPERATOR_ACTION_TEXT.notRecorded };
      open.appendEntry('operator', { verificationId, verificationSeq: found.summary.seq, action, by: 'operator' }, sealed);
      log.info({ verificationId, action }, 'operator action recorded');
      return { ok: true };
    } catch (error) {
      log.error({ err: error, verificationId, action }, 'the operator action could not be recorded');
      const cause = isXacminhError(error) ? (OPERATOR_MESSAGES[error.code] ?? error.message) : 'lỗi không mong muốn';
      return { ok: false, reasonVi: `${OPERATOR_ACTION_TEXT.writeFailed} ${cause}` };
    }
  }

  return {
    submitAccessKey: (text) => session.submitAccessKey(text),
    setReference: (text) => session.setReference(text),
    cancel: () => session.cancel(),
    current: () => session.current(),
    on: (event, listener) => session.on(event, listener),
    off: (event, listener) => session.off(event, listener),

    async retryFace(verificationId) {
      if (!session.retryFace) return { accepted: false, reasonVi: OPERATOR_ACTION_TEXT.retryUnavailable };
      const answer = await session.retryFace(verificationId);
      // Only a retry that happens is the operator's doing worth a line in the register.
      if (answer.accepted) record(verificationId, 'retry-face');
      return answer;
    },

    async setReferenceFor(verificationId, reference) {
      const prepared = prepareReference(reference);
      if (prepared.error !== undefined || prepared.text === '') return { ok: false, reasonVi: OPERATOR_ACTION_TEXT.invalidReference };
      return record(verificationId, 'reference', { reference: prepared.text });
    },
  };
}
