/**
 * A signed checkpoint as it leaves the device on `xacminh/v1/<site>/<device>/register/checkpoint`: the
 * central side keeps it, so a register later rewritten, cut or replaced on the device no longer matches.
 * Seq, head hash, time and signature only: nothing personal.
 */
import { z } from 'zod';
import type { Checkpoint } from './chain.ts';
import type { PendingEvent } from './sqlite-outbox.ts';

export const CHECKPOINT_TOPIC = 'register/checkpoint';

export const checkpointMessageSchema = z.strictObject({
  seq: z.number().int().positive(),
  headHash: z.string().regex(/^[0-9a-f]{64}$/, 'headHash must be 64 hex digits'),
  signedAt: z.string().min(1),
  keyId: z.string().min(1),
  signature: z.string().regex(/^[A-Za-z0-9_-]+$/, 'signature must be base64url'),
});

export type CheckpointMessage = z.infer<typeof checkpointMessageSchema>;

export function checkpointEvent(checkpoint: Checkpoint): PendingEvent {
  const message: CheckpointMessage = {
    seq: checkpoint.seq,
    headHash: Buffer.from(checkpoint.headHash).toString('hex'),
    signedAt: checkpoint.signedAt,
    keyId: checkpoint.keyId,
    signature: Buffer.from(checkpoint.signature).toString('base64url'),
  };
  // The key id is part of the id: after a key rotation the same seq may be signed again by the new key.
  return { id: `checkpoint-${checkpoint.seq}-${checkpoint.keyId}`, topic: CHECKPOINT_TOPIC, payload: JSON.stringify(message) };
}

export function checkpointFromMessage(message: CheckpointMessage): Checkpoint {
  return {
    seq: message.seq,
    headHash: new Uint8Array(Buffer.from(message.headHash, 'hex')),
    signedAt: message.signedAt,
    keyId: message.keyId,
    signature: new Uint8Array(Buffer.from(message.signature, 'base64url')),
  };
}
