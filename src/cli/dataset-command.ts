import * as path from 'path';
import { toDatasetLine, writeJsonl } from '../dataset/jsonl';
import { prepareExamples, promptTemplates } from '../dataset/prepare';
import { formatSummary } from '../fhir/summary';
import { pretrainingCorpus } from '../lamo/corpus';
import { requireOption, type CliOptions } from './options';
import { ProgressBar } from './progress';

export async function runDataset(values: CliOptions): Promise<void> {
  const data = requireOption(values, 'data');
  const out = requireOption(values, 'out');
  const progress = new ProgressBar();
  // Training data for new models: always the current prompt format (medication history in words), which the
  // exported manifest declares ("prompt": { "history": true }, model/train/export.py).
  const format = { modelDir: values.model, promptHistory: true };
  const prepared = await prepareExamples(data, { ...format, onProgress: (stage, done, total) => progress.update(stage, done, total) });
  const written = await writeJsonl(
    out,
    prepared.examples.map((example) => toDatasetLine(example, prepared.parts.get(example)!)),
  );
  if (values.corpus) {
    // Text-only pretraining corpus (src/lamo/corpus.ts): encounters without an order, each
    // population with its own temporal cut-offs.
    const templates = promptTemplates(format);
    const corpus = prepared.populations.flatMap((population) =>
      pretrainingCorpus(population.records, templates, prepared.vocabulary, population.cutoffs),
    );
    process.stderr.write(`wrote ${await writeJsonl(values.corpus, corpus)} corpus encounters to ${path.resolve(values.corpus)}\n`);
  }
  for (const population of prepared.populations) {
    const { stats } = population;
    process.stderr.write(`${population.name}: ${formatSummary(population.load)}\n`);
    process.stderr.write(
      `${population.name}: ${stats.examples} encounters with orders (${stats.allUncovered} with no drug of the vocabulary; ` +
        `${stats.unreachableLabels} of ${stats.labels} labels outside the visit's candidates); ` +
        `temporal test cut-off ${population.cutoffs.test}\n`,
    );
  }
  process.stderr.write(`wrote ${written} encounters to ${path.resolve(out)}\n`);
}
