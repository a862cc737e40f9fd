import { examplesIn, prepareExamples, type PreparedData } from '../dataset/prepare';
import { SPLIT_NAMES, type SplitName } from '../dataset/splits';
import { CarryForwardRecommender } from '../eval/baselines/carry-forward';
import { FrequencyRecommender } from '../eval/baselines/frequency';
import { LogisticRecommender } from '../eval/baselines/logistic';
import { evaluate, formatReport, type InteractionCheck } from '../eval/evaluate';
import { LamoRecommender } from '../eval/lamo-recommender';
import type { Recommender } from '../eval/recommender';
import { formatSummary } from '../fhir/summary';
import { createScorer } from '../inference/scorer';
import { candidatesInteract } from '../safety/interactions';
import type { CliOptions } from './main';
import { requireOption, UsageError } from './main';
import { ProgressBar } from './progress';
import { reportSettings } from './report-options';
import { RecordingRecommender } from '../report/recording';
import { writeEvalReport } from '../report/eval-report';
import * as path from 'path';

function loadLine(label: string, data: PreparedData): string {
  return `${label}: ${formatSummary(data.load)}; ${data.examples.length} encounters with covered orders`;
}

export async function runEval(values: CliOptions): Promise<void> {
  const dataPath = requireOption(values, 'data');
  const split = (values.split ?? 'internal') as SplitName;
  if (!SPLIT_NAMES.includes(split)) throw new UsageError(`--split must be one of ${SPLIT_NAMES.join(', ')}`);
  const report = reportSettings(values);
  const progress = new ProgressBar();
  const onProgress = (stage: string, done: number, total: number) => progress.update(stage, done, total);

  const data = await prepareExamples(dataPath, { modelDir: values.model, onProgress });
  process.stderr.write(`${loadLine('test data', data)}\n`);
  let sets;
  let splitLabel: string;
  let trainPrepared: PreparedData | undefined;
  if (values['train-data']) {
    // External validation: learn on one data set, test on every encounter of the other.
    const trainData = await prepareExamples(values['train-data'], { modelDir: values.model, onProgress });
    trainPrepared = trainData;
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

  let methods: Recommender[] = [new FrequencyRecommender(), new CarryForwardRecommender(), new LogisticRecommender()];
  const scorer = values.model ? await createScorer(values.model) : undefined;
  if (scorer) methods.push(new LamoRecommender(scorer));
  const recorders = report ? methods.map((method) => new RecordingRecommender(method)) : [];
  if (report) methods = recorders;
  const interacts: InteractionCheck = candidatesInteract;
  try {
    const result = await evaluate(methods, sets, { dataset: values['train-data'] ? `${values['train-data']} -> ${dataPath}` : dataPath, split: splitLabel }, {
      interacts,
      onProgress: (method, done, total) => progress.update(method, done, total),
    });
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatReport(result)}\n`);
    if (report) {
      const datasets = [...(trainPrepared ? [{ role: 'train' as const, path: values['train-data'] as string, prepared: trainPrepared }] : []), { role: 'test' as const, path: dataPath, prepared: data }];
      await writeEvalReport({ ...report, recorders, test: sets.test, split: splitLabel, data: datasets, populationOf: () => path.basename(path.resolve(dataPath)), partsOf: (e) => data.parts.get(e), scorer, modelDir: values.model });
      process.stderr.write(`report: ${path.join(report.dir, 'index.html')}\n`);
    }
  } finally {
    await scorer?.close();
  }
}
