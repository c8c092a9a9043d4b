// The help texts (src/components/help.ts): a short text per setting and concept, each linked to its section of
// the concepts guide, whose English and Russian editions keep the same sections and the same code.
import { CONCEPTS_GUIDES, HELP, helpLink, setHelpBase, getHelpBase } from '../../src/components/help';
import { setLocale } from '../../src/components/i18n';
import { assert, assertEqual, assertRejects } from '../util/assert';

describe('help texts', () => {
  const KEYS = ['dataset', 'model', 'architecture', 'convolution', 'pooling', 'activation', 'optimizer', 'learningRate', 'batchSize',
    'epochs', 'dropout', 'augmentation', 'seed', 'loss', 'accuracy', 'overfitting', 'confusionMatrix', 'precisionRecall', 'regularization', 'earlyStopping', 'reduceLr', 'insideView'];
  /** The `<a id>` anchors of a guide, in order (the test server serves the project root). */
  const anchorsOf = async (path: string) => [...(await (await fetch(`/${path}`)).text()).matchAll(/<a id="([a-z-]+)"><\/a>/g)].map((m) => m[1]);

  it('has a short text and a section of the concepts guide for every key, in both editions', async () => {
    const [en, ru] = [await anchorsOf(CONCEPTS_GUIDES.en), await anchorsOf(CONCEPTS_GUIDES.ru)];
    assert(en.length >= 13, `the English guide's anchors: ${en.join()}`);
    assertEqual(ru.join(), en.join(), 'the Russian edition has the same sections in the same order');
    // And names the same code (files, settings, formulas): an edit of one edition that adds or drops one fails here until the other follows.
    const spans = async (path: string) => [...new Set([...(await (await fetch(`/${path}`)).text()).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]))].sort();
    const [enSpans, ruSpans] = [await spans(CONCEPTS_GUIDES.en), await spans(CONCEPTS_GUIDES.ru)];
    assertEqual(enSpans.filter((x) => !ruSpans.includes(x)).join(' | '), '', 'code of the English guide missing from the Russian');
    assertEqual(ruSpans.filter((x) => !enSpans.includes(x)).join(' | '), '', 'code of the Russian guide missing from the English');
    for (const k of KEYS) {
      const e = HELP[k];
      assert(e, `entry ${k}`);
      const sentences = e.text.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
      assert(sentences >= 1 && sentences <= 3, `${k}: ${sentences} sentences`);
      assert(en.includes(e.anchor), `${k}: anchor ${e.anchor} in the guide`);
    }
    for (const [k, e] of Object.entries(HELP)) assert(en.includes(e.anchor), `${k}: anchor ${e.anchor} in the guide`);
  });

  it('resolves links against a base, the page by default, and rejects unknown keys', async () => {
    assertEqual(helpLink('https://example.org/mnist-trainer/', 'dropout'), 'https://example.org/mnist-trainer/docs/concepts.md#dropout', 'explicit base');
    assertEqual(helpLink(undefined, 'seed'), new URL('docs/concepts.md#training', document.baseURI).href, 'default base');
    const before = getHelpBase();
    setHelpBase('https://example.org/repo/blob/main/');
    try {
      assertEqual(helpLink(undefined, 'loss'), 'https://example.org/repo/blob/main/docs/concepts.md#optimizers-losses-metrics', 'set base');
    } finally {
      setHelpBase(before);
    }
    await assertRejects(() => helpLink(undefined, 'nope'), /helpLink: no help entry "nope"/, 'unknown key');
    // In Russian the links go to the Russian edition.
    await setLocale('ru');
    try {
      assertEqual(helpLink('https://example.org/mnist-trainer/', 'dropout'), 'https://example.org/mnist-trainer/docs/concepts.ru.md#dropout', 'the Russian guide');
    } finally {
      await setLocale('en');
    }
  });
});
