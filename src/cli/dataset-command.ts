import * as path from 'path';
import { toDatasetLine, writeJsonl } from '../dataset/jsonl';
import { prepareExamples } from '../dataset/prepare';
import { formatSummary } from '../fhir/summary';
import { pretrainingCorpus } from '../lamo/corpus';
import { readPromptTemplates } from '../lamo/templates';
import { requireOption, type CliOptions } from './options';
import { ProgressBar } from './progress';

export async function runDataset(values: CliOptions): Promise<void> {
  const data = requireOption(values, 'data');
  const out = requireOption(values, 'out');
  const progress = new ProgressBar();
  const prepared = await prepareExamples(data, { modelDir: values.model, onProgress: (stage, done, total) => progress.update(stage, done, total) });
  const written = await writeJsonl(
    out,
    prepared.examples.map((example) => toDatasetLine(example, prepared.parts.get(example)!)),
  );
  if (values.corpus) {
    // Text-only pretraining corpus (src/lamo/corpus.ts): encounters without an order, each
    // population with its own temporal cut-offs.
    const templates = readPromptTemplates(values.model);
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
