/** `lamo-cds eval`: load the populations, pick the sets, run every method, print the report. */
import { prepareExamples, type PopulationData } from '../dataset/prepare';
import { SPLIT_NAMES, type SplitName } from '../dataset/splits';
import { baselineRecommenders } from '../eval/baselines';
import { evaluate, formatReport } from '../eval/evaluate';
import { LamoRecommender } from '../eval/lamo-recommender';
import { trainingOverlap } from '../eval/training-overlap';
import type { EncounterExample } from '../dataset/examples';
import type { Recommender } from '../eval/recommender';
import { evaluationSets } from '../eval/sets';
import { writeEvalReport } from '../report/eval-report';
import { formatSummary } from '../fhir/summary';
import { createScorer } from '../inference/scorer';
import { candidatesInteract } from '../safety/interactions';
import { requireOption, UsageError, type CliOptions } from './options';
import { ProgressBar } from './progress';
import { reportSettings } from './report-options';

function loadLines(label: string, populations: readonly PopulationData[]): string {
  return populations
    .map((population) => `${label} ${population.name}: ${formatSummary(population.load)}; ${population.examples.length} encounters with orders\n`)
    .join('');
}

/** `lamo`, or refuses (UsageError) when the model was trained or tuned on test encounters, unless
 * --allow-trained-on asks for the row anyway, marked with the overlap. */
function lamoRowName(values: CliOptions, test: EncounterExample[]): string {
  const overlap = trainingOverlap(requireOption(values, 'model'), test);
  if (!overlap.known) {
    process.stderr.write('warning: the model records no training encounters; its lamo row cannot be checked for overlap\n');
    return 'lamo';
  }
  if (overlap.seen === 0) return 'lamo';
  const what = `the model was trained or tuned on ${overlap.seen} of these ${overlap.total} test encounters (its split: ${overlap.split ?? 'unknown'})`;
  if (!values['allow-trained-on']) {
    throw new UsageError(`${what}: no honest lamo row. Use a model trained on this split (npm run model:train -- --split …) or pass --allow-trained-on for a marked row`);
  }
  process.stderr.write(`warning: ${what}; the row is marked\n`);
  return `lamo (trained on ${overlap.seen}/${overlap.total} test encounters)`;
}

export async function runEval(values: CliOptions): Promise<void> {
  const dataPaths = requireOption(values, 'data');
  const trainPaths = values['train-data'] ?? [];
  const split = (values.split ?? 'internal') as SplitName;
  if (!SPLIT_NAMES.includes(split)) throw new UsageError(`--split must be one of ${SPLIT_NAMES.join(', ')}`);
  const overlap = trainPaths.filter((trainPath) => dataPaths.includes(trainPath));
  if (overlap.length) throw new UsageError(`${overlap.join(', ')} given as both --data and --train-data: external validation tests on data not trained on`);
  const report = reportSettings(values);
  const progress = new ProgressBar();
  const onProgress = (stage: string, done: number, total: number) => progress.update(stage, done, total);

  const data = await prepareExamples(dataPaths, { modelDir: values.model, onProgress });
  process.stderr.write(loadLines('test data', data.populations));
  // External validation: learn on the --train-data populations, test on every encounter of --data.
  const trainData = trainPaths.length ? await prepareExamples(trainPaths, { modelDir: values.model, onProgress }) : undefined;
  if (trainData) process.stderr.write(loadLines('train data', trainData.populations));
  const sets = evaluationSets(data, split, trainData);

  // Every method chooses from each visit's own candidate set (the vocabulary and the patient's earlier drugs).
  const methods: Recommender[] = baselineRecommenders();
  const scorer = values.model ? await createScorer(values.model) : undefined;
  if (scorer) methods.push(new LamoRecommender(scorer, lamoRowName(values, sets.test)));
  try {
    const { report: result, runs } = await evaluate(
      methods,
      sets,
      { dataset: sets.label, split: sets.design, populations: sets.testPopulations },
      {
        interacts: candidatesInteract,
        // The regime breakdown's intervals use the report's resamples and seed when one is written.
        bootstrap: report ? { resamples: report.resamples, seed: report.seed } : undefined,
        onProgress: (method, done, total) => progress.update(method, done, total),
      },
    );
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatReport(result)}\n`);
    if (report) await writeEvalReport({ ...report, runs, methods, sets, data, trainData, scorer, modelDir: values.model });
  } finally {
    await scorer?.close();
  }
}
