// Every challenge the face step can draw has its words on the kiosk, a spoken prompt and a register label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHALLENGE_KINDS, CHALLENGE_PROMPTS_VI } from '../../models/liveness/liveness.ts';
import { AUDIO_TEXT, CHALLENGE_TEXT } from './public/strings.js';
import { challengeLabel } from '../cli/register-format.ts';

test('each challenge kind has kiosk text, a spoken prompt, a face-step prompt and a register label', () => {
  for (const kind of CHALLENGE_KINDS) {
    assert.ok((CHALLENGE_TEXT as Record<string, string>)[kind], `kiosk text for ${kind}`);
    assert.ok((AUDIO_TEXT as Record<string, string>)[kind], `spoken prompt for ${kind}`);
    assert.ok(CHALLENGE_PROMPTS_VI[kind], `face-step prompt for ${kind}`);
    assert.is.not(challengeLabel(kind), kind, `register label for ${kind}`);
  }
});

test.run();
