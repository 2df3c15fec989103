/**
 * The numbers behind the liveness decision, in one place so the register can quote them.
 *
 * Decision rule (LivenessSession.result):
 *   spoof        — positive evidence of an attack: the face box or head pose jumped between consecutive
 *                  frames (video cut, face swap, photo switched: 'face-jumped' / 'pose-jumped'), the head
 *                  turned the wrong way first ('wrong-direction'), or the passive score aggregated over
 *                  ≥ minPassiveFrames frames is below passiveSpoofBelow ('passive-low').
 *   live         — the active challenge was completed after the prompt, within responseWindowMs, on a
 *                  continuously tracked face, AND the passive aggregate over ≥ minPassiveFrames frames is
 *                  ≥ passiveLiveAtLeast.
 *   inconclusive — anything else (challenge not done in time, face lost, too few passive frames, passive
 *                  between the two thresholds, a turn or nod whose landmarks moved like a picture's:
 *                  'planar-motion'): never accepted, the terminal may retry.
 *
 * Why the active challenge carries the decision: the shipped passive models (Human antispoof/liveness) score
 * ≥ 0.6 on 98 % of static photos (shared/notes/face-models.md), so passive is only a floor that rejects the
 * crudest replays. The thresholds below are priors from the literature on eye-aspect-ratio blink detection
 * (Soukupová & Čech 2016: open ≈ 0.25–0.35, closed < 0.15, a blink lasts 100–400 ms) and from head-pose
 * challenge practice. BPCER per ISO/IEC 30107-3 is unmeasured (no recordings of real people here:
 * `xacminh face-match --clips` measures it on a site's own recordings).
 *
 * Against pictures (APCER per attack kind and challenge on generated attacks: bench/liveness-attacks.ts, table in
 * bench/RESULTS.md): the first barrier is that a print or a screen turned or tilted barely moves the mesh's pose
 * estimate (a 55° tilt reads as at most 18°), so a turn or nod is not done. A print folded along the nose and turned,
 * or a screen replaying a recording of a tilted print, can move it as far as a head does, and the mesh paints a
 * head's parallax on its landmarks (parallaxMin is only a second line). What stops them is the flat-picture check on
 * the baseline's landmarks followed by their PIXELS (landmark-tracker.ts, trackedParallaxMin): a picture's pixels move
 * as one plane, or two for a fold (trackedParallaxMin). A blink has no such second check: it rests on the mesh's eye
 * opening, which drifts on still screens and cut-outs (a fresh generated run: 2 passes in 210), so blinks are drawn
 * only where a site lists them (liveness.ts DEFAULT_CHALLENGES). Against a print flicked about a horizontal axis (it
 * narrows the eyes like a blink) the blink judge undoes the face's own motion before measuring the eyes and does not
 * count a frame whose face changed shape (blinkMinShapeRatio). Not covered by geometry: a replay of a real video of
 * the person doing the asked action at the asked moment, and a cut-out with eye holes over a blinking attacker: the
 * randomised challenge and the passive models are all that stand there.
 */
export interface LivenessThresholds {
  /** Baseline (before the prompt): at least this many frontal frames spanning at least this long. */
  minBaselineFrames: number;
  minBaselineMs: number;
  /** A frame counts for the baseline when |yaw| and |pitch| are within this many degrees. */
  baselineMaxAngle: number;
  /** Actions sooner than this after the prompt are not a response to it (human reaction time). */
  minReactionMs: number;
  /** The action must be completed within this long after the prompt. */
  responseWindowMs: number;
  /** Blink: eyes closed when openness < closedRatio × the person's open baseline; reopened at ≥ reopenRatio ×. */
  blinkClosedRatio: number;
  blinkReopenRatio: number;
  /** Eyes closed longer than this is not a blink (a photo of closed eyes, or eyes held shut). */
  maxBlinkMs: number;
  /**
   * A blink lowers the eyes clearly — below the reopened level AND by at least half the drop it needs
   * (blinkMinDrop…) — on at least this many frames of one closing (a single frame is a glitch; a frame just under the
   * reopened level is within the noise of open and does not count).
   */
  blinkMinFrames: number;
  /**
   * Blink: a frame whose rigid landmarks changed shape (planar-motion.ts shapeRatio) below this is not evidence
   * either way — a print flicked about a horizontal axis squashes the face with its eyes; a head keeps its shape.
   */
  blinkMinShapeRatio: number;
  /**
   * Blink: the eyes' drop from open must be at least this (eye aspect ratio) and this many times their noise (the
   * larger of their spread over the open baseline frames and their frame-to-frame jitter) — eyes open to 0.25–0.35
   * drop by ≥ 0.15 in a blink, the mesh's jitter on a still face is ≈ 0.012. On held-out generated attacks the ratio
   * rule alone was crossed by jitter (a print of squinting eyes, open ≈ 0.09; a tilted print whose eye opening
   * jumped by 0.03 a frame), and at 4 × once (bench/RESULTS.md).
   */
  blinkMinDrop: number;
  blinkMinDropSpreads: number;
  /** Head turn: yaw must move this many degrees from the baseline in the asked direction … */
  turnDegrees: number;
  /** … and come back within this many degrees of the baseline. */
  returnDegrees: number;
  /** Moving this many degrees the other way first fails the challenge. */
  wrongDirectionDegrees: number;
  /** Nod: pitch must go down this many degrees from the baseline, then back within returnDegrees. */
  nodDegrees: number;
  /**
   * Flat picture: the part of a turn's or nod's landmark motion that one homography (or one per half of the face:
   * a print folded along the nose line) cannot explain, measured against what a head of the mean face's depth
   * would leave (planar-motion.ts depthEvidence: ≈ 1 a head, ≈ 0 a picture). Below this on either fit the
   * movement was a picture's, not a head's ('planar-motion'). Measured (bench/RESULTS.md): LFW faces' meshes turned
   * 20° give ≥ 0.66, their 1st percentile 0.76, with landmark noise; a face of 0.5× / 0.7× the mean face's depth
   * 0.49 / 0.69 — so the threshold stays low, for flatter faces than LFW's; attacks whose pose estimate moved spread
   * from −2 to 1.75 (the mesh paints part of a head's parallax on a picture), so this is a second line, not a proof.
   */
  parallaxMin: number;
  /**
   * The same evidence from the baseline's landmarks followed through the frames by their PIXELS
   * (landmark-tracker.ts), not placed by the mesh: the mesh cannot paint depth on them. A picture's followed points
   * move by one homography (two for a fold), so they leave ≈ 0; a head's leave its depth. The judge reads the median
   * of the ≤ 3 frames furthest from the baseline, from half the asked angle on (on the way out too); below this on
   * either fit: 'planar-motion'; a turn or nod with no frame whose points could be followed: 'motion-unmeasured'. 0
   * turns the check off (observations without pixels, e.g. a scripted engine). Measured by that same statistic
   * (bench/liveness-attacks, bench/RESULTS.md): 840 fresh generated attacks ≤ 0.36; rendered real heads
   * (attacks/head.ts, 120 people) ≥ 0.79, 5th percentile 1.05.
   */
  trackedParallaxMin: number;
  /** Continuity: consecutive frames further apart than this mean the face was lost. */
  maxGapMs: number;
  /** Continuity: box centre displacement between consecutive frames, as a fraction of the box height. */
  maxJumpFraction: number;
  /** Continuity: box height ratio between consecutive frames. */
  maxScaleJump: number;
  /** Continuity: yaw change between consecutive frames (a real head peaks around 300–400 °/s ≈ 15° a frame at 25 fps). */
  maxYawStepDegrees: number;
  /** Passive: per-frame score = mean of the antispoof and liveness scores present; aggregated by median. */
  minPassiveFrames: number;
  passiveLiveAtLeast: number;
  passiveSpoofBelow: number;
}

export const LIVENESS_OPERATING_POINT: Readonly<LivenessThresholds> = Object.freeze({
  minBaselineFrames: 5,
  minBaselineMs: 300,
  baselineMaxAngle: 15,
  minReactionMs: 150,
  responseWindowMs: 4000,
  blinkClosedRatio: 0.6,
  blinkReopenRatio: 0.85,
  maxBlinkMs: 700,
  blinkMinFrames: 2,
  blinkMinShapeRatio: 0.9,
  blinkMinDrop: 0.08,
  blinkMinDropSpreads: 5,
  turnDegrees: 20,
  returnDegrees: 8,
  wrongDirectionDegrees: 20,
  nodDegrees: 15,
  parallaxMin: 0.35,
  trackedParallaxMin: 0.55,
  maxGapMs: 400,
  maxJumpFraction: 0.4,
  maxScaleJump: 1.4,
  maxYawStepDegrees: 40,
  minPassiveFrames: 5,
  passiveLiveAtLeast: 0.5,
  passiveSpoofBelow: 0.2,
});
