/**
 * Loads the face step the config asks for, on its own thread (models/worker-face-step.ts) so that tracking the
 * face during the chip read does not hold the read back; models are checked against their manifest first.
 */
import { WorkerFaceStep } from '../../models/worker-face-step.ts';
import type { FaceStep } from '../../models/types.ts';
import type { AgentConfig } from '../config/schema.ts';

export async function loadFaceStep(config: AgentConfig): Promise<FaceStep> {
  return WorkerFaceStep.create({ liveness: config.face.activeLiveness });
}
