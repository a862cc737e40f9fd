import * as path from 'path';
import { toDatasetLine, writeJsonl } from '../dataset/jsonl';
import { prepareExamples } from '../dataset/prepare';
import { formatSummary } from '../fhir/summary';
import { pretrainingCorpus } from '../lamo/corpus';
import { readPromptTemplates } from '../lamo/templates';
import type { CliOptions } from './main';
import { requireOption } from './main';
import { ProgressBar } from './progress';

export async function runDataset(values: CliOptions): Promise<void> {
  const data = requireOption(values, 'data');
  const out = requireOption(values, 'out');
  const progress = new ProgressBar();
  const prepared = await prepareExamples(data, { modelDir: values.model, onProgress: (stage, done, total) => progress.update(stage, done, total) });
  const candidates = prepared.vocabulary.candidates.map((candidate) => candidate.name);
  const written = await writeJsonl(
    out,
    prepared.examples.map((example) => toDatasetLine(example, candidates, prepared.parts.get(example)!)),
  );
  if (values.corpus) {
    // Text-only pretraining corpus (src/lamo/corpus.ts): encounters without a covered order.
    const corpus = pretrainingCorpus(prepared.records, readPromptTemplates(values.model), prepared.vocabulary, prepared.cutoffs);
    process.stderr.write(`wrote ${await writeJsonl(values.corpus, corpus)} corpus encounters to ${path.resolve(values.corpus)}\n`);
  }
  process.stderr.write(`${formatSummary(prepared.load)}\n`);
  process.stderr.write(
    `wrote ${written} encounters (${prepared.stats.encountersWithOrders} with orders, ${prepared.stats.skippedUncovered} skipped: no covered drug) ` +
      `to ${path.resolve(out)}; temporal test cut-off ${prepared.cutoffs.test}\n`,
  );
}
