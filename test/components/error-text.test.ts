// The errors a student meets most, said whole in the page's language: a divergence (during the steps, or in an
// epoch's test or validation loss) and a browser without WebGPU. In English each is word for word the engine's
// message, from the engine's own code; in Russian whole, with the numbers in Russian.
import { checkEvaluations, reportRows, type EpochReportContext } from '../../src/engine/epoch-report';
import { errorDetail, type ErrorDetail } from '../../src/engine/errors';
import { requestGpu } from '../../src/engine/gpu';
import { errorText, wholeText } from '../../src/components/messages';
import { setLocale } from '../../src/components/i18n';
import { assert, assertEqual } from '../util/assert';

const context = (): EpochReportContext => ({
  epoch: 2, steps: 10, startBatch: 0, batchSize: 32, targetEpochs: 5, started: 0, topK: false,
  curve: { add: () => undefined } as unknown as EpochReportContext['curve'], step: () => 27, learningRate: () => 10,
});

function thrown(f: () => unknown): ErrorDetail {
  try {
    f();
  } catch (e) {
    return errorDetail(e);
  }
  throw new Error('nothing thrown');
}

async function rejected(p: Promise<unknown>): Promise<ErrorDetail> {
  try {
    await p;
  } catch (e) {
    return errorDetail(e);
  }
  throw new Error('nothing thrown');
}

describe('the errors a student meets most, whole in the page\'s language', () => {
  it('says them word for word as the engine in English, and whole in Russian', async () => {
    const details = [
      thrown(() => reportRows(context(), [{ batch: 3, loss: Number.NaN, badStep: 24 } as never])),
      thrown(() => checkEvaluations(context(), { test: { loss: Number.POSITIVE_INFINITY } })),
      thrown(() => checkEvaluations(context(), { test: { loss: 1 }, validation: { loss: Number.NaN } })),
      await rejected(requestGpu({ gpu: { requestAdapter: async () => null } as unknown as GPU })),
    ];
    assertEqual(details.map((d) => d.code).join(), 'divergence,divergence,divergence,no-webgpu', 'the codes');
    assertEqual(JSON.stringify(details[0].facts), '{"step":24,"epoch":3,"learningRate":10}', "a divergence's numbers");
    for (const d of details) assertEqual(wholeText(d), d.message, `English: ${d.message}`);
    const missing: ErrorDetail = { code: 'no-webgpu', message: `WebGPU is not available in this browser (navigator.gpu is missing). ${details[3].message.replace(/^[^.]*\. /, '')}` };
    assertEqual(wholeText(missing), missing.message, 'English: navigator.gpu missing');
    await setLocale('ru');
    try {
      const ru = [...details, missing].map(errorText);
      assertEqual(ru[0], 'Потери стали NaN или бесконечными на шаге 24 (эпоха 3); обучение остановлено. Попробуйте меньшую скорость обучения (сейчас 10).', 'steps');
      assert(ru[1].startsWith('Потери на тестовой выборке стали NaN или бесконечными после эпохи 3 (шаг 27)'), ru[1]);
      assert(ru[2].startsWith('Потери на валидационной выборке стали NaN'), ru[2]);
      assert(ru[3].startsWith('Адаптер WebGPU не найден') && ru[4].startsWith('В этом браузере нет WebGPU (navigator.gpu отсутствует).'), `${ru[3]} / ${ru[4]}`);
      for (const t of ru) assert(!/\b(the|Try|Use)\b/.test(t), `no English: ${t}`);
    } finally {
      await setLocale('en');
    }
  });
});
