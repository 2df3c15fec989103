/** The attack generator's public types (re-exported by index.ts). */
import type { RgbImage } from '../../face-geometry.ts';

export type { RgbImage };

/** The challenge the attacker tries to mimic. 'turn-left' = the person turns to THEIR left (towards the image's right). */
export type MimickedAction = 'blink' | 'turn-left' | 'turn-right' | 'nod';
export const MIMICKED_ACTIONS: readonly MimickedAction[] = ['blink', 'turn-left', 'turn-right', 'nod'];

export const ATTACK_KINDS = ['print-still', 'print-moved', 'print-tilt', 'print-fold', 'screen-still', 'screen-clip', 'cutout'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface AttackSpec {
  kind: AttackKind;
  /** The challenge on screen that the attacker tries to mimic with this attack's means. */
  mimic: MimickedAction;
  /** The victim's face photo (decoded packed RGB; LFW 250×250 is typical). */
  face: RgbImage;
  /** cutout only: a photo of the attacker, whose head is behind the cut-out face. */
  attacker?: RgbImage;
  seed: number;
  fps?: number;
  durationMs?: number;
  width?: number;
  height?: number;
}

export interface AttackFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** ms from the sequence start */
  t: number;
}
