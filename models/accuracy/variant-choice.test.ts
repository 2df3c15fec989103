import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { RESNET_VARIANTS } from './lab.ts';
import { chooseVariants, wholeNumberOption } from './variant-choice.ts';

const refused = (run: () => unknown, re: RegExp) => {
  try {
    run();
    assert.unreachable('accepted');
  } catch (error) {
    assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
    assert.match((error as Error).message, re);
  }
};

test('no --variants: every variant and Human faceres, as before the option', () => {
  assert.equal(chooseVariants(undefined), { resnet: Object.keys(RESNET_VARIANTS), humanFaceres: true, loadFaceres: true });
});

test('--variants picks RESNET_VARIANTS by name, in the table order, each once; faceres only when asked', () => {
  assert.equal(chooseVariants('align+flip, box,align+flip'), { resnet: ['box', 'align+flip'], humanFaceres: false, loadFaceres: false });
  assert.equal(chooseVariants('box,faceres'), { resnet: ['box'], humanFaceres: true, loadFaceres: true });
  // faceres on the canonical chip needs the faceres model loaded, not Human's own faceres rows.
  assert.equal(chooseVariants('faceres-align50+flip'), { resnet: ['faceres-align50+flip'], humanFaceres: false, loadFaceres: true });
});

test('--variants refuses an unknown name or an empty list, naming the known ones', () => {
  refused(() => chooseVariants('box,aligned'), /unknown aligned; known: box, box\+flip.*faceres$/);
  refused(() => chooseVariants(' , '), /names no variant/);
});

test('wholeNumberOption: a whole number at or above the minimum', () => {
  assert.is(wholeNumberOption('max-impostors', '2000000', 1000), 2_000_000);
  refused(() => wholeNumberOption('max-impostors', '2e', 1000), /--max-impostors must be a whole number ≥ 1000, got "2e"/);
  refused(() => wholeNumberOption('max-impostors', '10', 1000), /≥ 1000/);
  refused(() => wholeNumberOption('max-impostors', ' ', 1000), /whole number/);
});

test.run();
