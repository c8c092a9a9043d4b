// Shared pieces of the lab report (lab5.ts, lab5-questions.ts): the language switch, number formats in
// Russian and English, links to the code, and the measured facts both reports quote. Pure.
import { describeModel } from '../../engine/model-summary';
import { markdownTable, type ReportMeta } from './report';
import { localNumbers, runLabel, type ReportLang } from './chart-words';
import { classNamesIn as classNamesInLang } from '../run-words';
import { finalTestCount } from './plan';
import { finalTest, gapSpread, type ExperimentResult } from './summary';
import { noise, pctSpread, pointsSpread, spread, type RunResult } from './seeds';

/** The report's language (chart-words.ts's, which its charts share). */
export type Lang = ReportLang;

export interface LabContext {
  lang: Lang;
  meta: ReportMeta;
  results: ExperimentResult[];
  /** The repository root relative to the report (for links to the code). */
  root: string;
}

/** The Russian or the English text. */
export const t = (c: LabContext, ru: string, en: string): string => (c.lang === 'ru' ? ru : en);

/** A data set's class names in the report's language. */
export const classNamesIn = (c: LabContext, names: readonly string[]): string[] => classNamesInLang(c.lang, names);

/** Numbers as the language writes them: "97,57 %" and "0,0761" in Russian, "97.57%" in English. */
export function n(c: LabContext, s: string): string {
  return localNumbers(c.lang, s);
}

/** Russian plural agreement: 1 параметр, 2 параметра, 5 параметров, 21 параметр, 11 параметров. */
export function plural(x: number, one: string, few: string, many: string): string {
  const m10 = x % 10, m100 = x % 100;
  return m10 === 1 && m100 !== 11 ? one : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? few : many;
}

/** A run's label in the report's language. */
export const label = (c: LabContext, r: RunResult): string => runLabel(c.lang, r);

/** "на 10 000 тестовых изображениях, 3 зерна" / "on 10,000 test images, 3 seeds", from the runs themselves. */
export function measuredOn(c: LabContext, runs: RunResult[]): string {
  const tests = [...new Set(runs.map((r) => finalTestCount(r.spec)))];
  const seeds = [...new Set(runs.map((r) => r.seeds.length))];
  const k = seeds.length === 1 ? seeds[0] : Math.min(...seeds);
  const imgs = tests.map((x) => int(c, x)).join('/');
  return t(c, `на ${imgs} тестовых изображениях, ${seeds.length > 1 ? 'не меньше ' : ''}${k} ${plural(k, 'зерно', 'зерна', 'зёрен')}`,
    `on ${imgs} test images, ${seeds.length > 1 ? 'at least ' : ''}${k} seed${k > 1 ? 's' : ''}`);
}

/** A link to a file of the repository: [`src/engine/model.ts`](../src/engine/model.ts). */
export const code = (c: LabContext, path: string): string => `[\`${path}\`](${c.root}${path})`;

export const find = (c: LabContext, id: string): ExperimentResult | undefined => c.results.find((x) => x.experiment.id === id);

export const testAcc = (c: LabContext, r: RunResult): string => n(c, pctSpread(spread(r, (s) => s.test?.accuracy)));
export const gapPts = (c: LabContext, r: RunResult): string => n(c, pointsSpread(gapSpread(r)));
export const int = (c: LabContext, x: number): string => n(c, Math.round(x).toLocaleString('en-US'));
export const seedsOf = (r: RunResult): number => r.seeds.length;

/** Where a section's numbers are missing (an --only run, or a results.json from an older plan). */
export const notMeasured = (c: LabContext, what: string): string =>
  t(c, `*(${what}: в этом отчёте не измерялось.)*`, `*(${what}: not measured in this report.)*`);

/** A run's layers in one line as it trained them (a dropout override in every dropout layer), numbers as the language writes them. */
export const layersOf = (c: LabContext, r: RunResult): string => n(c, describeModel(r.spec.model, r.spec.settings?.dropout));

/** A table of runs: label, model, parameters, test accuracy (± sd), gap. */
export function runsTable(c: LabContext, runs: RunResult[], withModel = false): string {
  const head = [t(c, 'вариант', 'run'), ...(withModel ? [t(c, 'слои', 'layers')] : []), t(c, 'параметров', 'parameters'),
    t(c, 'точность на тесте', 'test accuracy'), t(c, 'разрыв обучение − тест, п. п.', 'train − test gap, points')];
  return markdownTable(head, runs.map((r) => [label(c, r), ...(withModel ? [layersOf(c, r)] : []), int(c, r.parameters), testAcc(c, r), gapPts(c, r)]),
    ['l', ...(withModel ? ['l' as const] : []), 'r', 'r', 'r']);
}

/** The best two runs by test accuracy and whether their difference is within the seeds' noise, in the report's language. */
export function noiseLine(c: LabContext, runs: RunResult[]): string {
  const ranked = runs.filter((r) => r.test && !r.diverged).sort((a, b) => finalTest(b).accuracy - finalTest(a).accuracy);
  if (ranked.length < 2) return '';
  const [a, b] = ranked;
  const [la, lb] = [label(c, a), label(c, b)];
  const v = noise(spread(a, (s) => s.test?.accuracy), spread(b, (s) => s.test?.accuracy));
  const d = n(c, (v.delta * 100).toFixed(2));
  const th = n(c, (v.threshold * 100).toFixed(2));
  if (v.verdict === 'unknown') {
    return t(c, `Два лучших варианта — ${la} и ${lb}, разница ${d} п. п.; зёрен слишком мало, чтобы отличить её от шума.`,
      `The best two are ${la} and ${lb}, ${d} points apart; too few seeds to tell that from noise.`);
  }
  return v.verdict === 'within noise'
    ? t(c, `Два лучших варианта — ${la} и ${lb}: разница ${d} п. п. **в пределах шума** (порог 2·√(sd₁² + sd₂²) = ${th} п. п.), так что эти измерения их не ранжируют.`,
      `The best two are ${la} and ${lb}: the ${d}-point difference is **within noise** (threshold 2·√(sd₁² + sd₂²) = ${th} points), so these measurements do not rank them.`)
    : t(c, `Два лучших варианта — ${la} и ${lb}: разница ${d} п. п. **больше шума** (порог 2·√(sd₁² + sd₂²) = ${th} п. п.).`,
      `The best two are ${la} and ${lb}: the ${d}-point difference is **beyond noise** (threshold 2·√(sd₁² + sd₂²) = ${th} points).`);
}

/** "mlp — 97,1 ± 0,2 %, cnn — 98,0 ± 0,1 %" in descending test accuracy (a dash: "lr 0,003 92,90" read as one number). */
export function ranking(c: LabContext, runs: RunResult[]): string {
  return runs.filter((r) => r.test && !r.diverged).sort((a, b) => finalTest(b).accuracy - finalTest(a).accuracy).map((r) => `${label(c, r)} — ${testAcc(c, r)}`).join(', ');
}
