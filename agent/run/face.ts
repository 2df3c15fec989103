/** Loads the face step the config asks for: models are checked against their manifest before first use. */
import { LocalFaceStep } from '../../models/face-step.ts';
import type { FaceStep } from '../../models/types.ts';
import type { AgentConfig } from '../config/schema.ts';

export async function loadFaceStep(config: AgentConfig): Promise<FaceStep> {
  return LocalFaceStep.create({ liveness: config.face.activeLiveness });
}
