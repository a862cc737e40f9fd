import { examplesIn, prepareExamples, type PreparedData } from '../dataset/prepare';
import { SPLIT_NAMES, type SplitName } from '../dataset/splits';
import { CarryForwardRecommender } from '../eval/baselines/carry-forward';
import { FrequencyRecommender } from '../eval/baselines/frequency';
import { LogisticRecommender } from '../eval/baselines/logistic';
import { evaluate, formatReport, type InteractionCheck } from '../eval/evaluate';
import { LamoRecommender } from '../eval/lamo-recommender';
import { trainingOverlap } from '../eval/training-overlap';
import type { EncounterExample } from '../dataset/examples';
import type { Recommender } from '../eval/recommender';
import { formatSummary } from '../fhir/summary';
import { createScorer } from '../inference/scorer';
import { candidatesInteract } from '../safety/interactions';
import type { CliOptions } from './main';
import { requireOption, UsageError } from './main';
import { ProgressBar } from './progress';

function loadLine(label: string, data: PreparedData): string {
  return `${label}: ${formatSummary(data.load)}; ${data.examples.length} encounters with covered orders`;
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
  const dataPath = requireOption(values, 'data');
  const split = (values.split ?? 'internal') as SplitName;
  if (!SPLIT_NAMES.includes(split)) throw new UsageError(`--split must be one of ${SPLIT_NAMES.join(', ')}`);
  const progress = new ProgressBar();
  const onProgress = (stage: string, done: number, total: number) => progress.update(stage, done, total);

  const data = await prepareExamples(dataPath, { modelDir: values.model, onProgress });
  process.stderr.write(`${loadLine('test data', data)}\n`);
  let sets;
  let splitLabel: string;
  if (values['train-data']) {
    // External validation: learn on one data set, test on every encounter of the other.
    const trainData = await prepareExamples(values['train-data'], { modelDir: values.model, onProgress });
    process.stderr.write(`${loadLine('train data', trainData)}\n`);
    sets = {
      train: trainData.examples.filter((e) => trainData.parts.get(e)?.internal !== 'val'),
      validation: examplesIn(trainData, 'internal', 'val'),
      test: data.examples,
    };
    splitLabel = 'external';
  } else {
    sets = { train: examplesIn(data, split, 'train'), validation: examplesIn(data, split, 'val'), test: examplesIn(data, split, 'test') };
    splitLabel = split;
  }

  const methods: Recommender[] = [new FrequencyRecommender(), new CarryForwardRecommender(), new LogisticRecommender()];
  const scorer = values.model ? await createScorer(values.model) : undefined;
  if (scorer) methods.push(new LamoRecommender(scorer, lamoRowName(values, sets.test)));
  const interacts: InteractionCheck = candidatesInteract;
  try {
    const report = await evaluate(methods, sets, { dataset: values['train-data'] ? `${values['train-data']} -> ${dataPath}` : dataPath, split: splitLabel }, {
      interacts,
      onProgress: (method, done, total) => progress.update(method, done, total),
    });
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  } finally {
    await scorer?.close();
  }
}
