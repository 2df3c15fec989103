/**
 * Loads the face step the config asks for, on its own thread (models/worker-face-step.ts) so that tracking the
 * face during the chip read does not hold the read back; models are checked against their manifest first.
 * When the thread itself cannot start, the step runs on the agent's thread (slower reads with overlap, but a face step).
 */
import { isXacminhError } from '../../drivers/errors.ts';
import { LocalFaceStep } from '../../models/face-step.ts';
import { WorkerFaceStep } from '../../models/worker-face-step.ts';
import type { FaceStep } from '../../models/types.ts';
import type { AgentConfig } from '../config/schema.ts';

export async function loadFaceStep(config: AgentConfig, log?: { warn(obj: object, msg?: string): void }): Promise<FaceStep> {
  const { turnDegrees, nodDegrees } = config.face;
  const options = {
    liveness: config.face.activeLiveness,
    ...(config.face.challenges ? { challenges: config.face.challenges } : {}),
    livenessThresholds: { ...(turnDegrees !== undefined ? { turnDegrees } : {}), ...(nodDegrees !== undefined ? { nodDegrees } : {}) },
  };
  try {
    return await WorkerFaceStep.create(options);
  } catch (error) {
    if (!isXacminhError(error, 'MODEL_INVALID') || error.evidence.stage !== 'worker') throw error;
    log?.warn({ err: error }, 'face step: no worker thread, running on the agent thread');
    return LocalFaceStep.create(options);
  }
}
