/** FHIR input on disk → encounter examples with their splits: the shared first half of `dataset` and `eval`. */
import { formatSummary, loadPatientRecords } from '../fhir/load';
import type { LoadSummary, PatientRecord } from '../fhir/types';
import { loadVocabulary } from '../medications/vocabulary';
import type { MedicationVocabulary } from '../medications/types';
import { readPromptTemplates } from '../lamo/templates';
import { buildExamples, type EncounterExample, type ExampleStats } from './examples';
import { assignSplits, type Part, type SplitName, type TemporalCutoffs } from './splits';

export interface PreparedData {
  /** The loaded patients (the pretraining corpus reads encounters the examples leave out). */
  records: PatientRecord[];
  examples: EncounterExample[];
  parts: Map<EncounterExample, Record<SplitName, Part>>;
  cutoffs: TemporalCutoffs;
  load: LoadSummary;
  stats: ExampleStats;
  vocabulary: MedicationVocabulary;
}

export interface PrepareOptions {
  modelDir?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export async function prepareExamples(dataPath: string, options: PrepareOptions = {}): Promise<PreparedData> {
  const { records, summary } = await loadPatientRecords(dataPath, {
    onProgress: (done: number, total: number) => options.onProgress?.('load', done, total),
  });
  if (records.length === 0) {
    // An empty dataset would look like a valid result; say what was (not) read instead.
    throw new Error(`no patients found in ${dataPath}: ${formatSummary(summary)}`);
  }
  const vocabulary = loadVocabulary();
  const templates = readPromptTemplates(options.modelDir);
  const { examples, stats } = buildExamples(records, templates, vocabulary, (done, total) =>
    options.onProgress?.('prompts', done, total),
  );
  const { parts, cutoffs } = assignSplits(examples);
  return { records, examples, parts, cutoffs, load: summary, stats, vocabulary };
}

export function examplesIn(data: PreparedData, split: SplitName, part: Part): EncounterExample[] {
  return data.examples.filter((example) => data.parts.get(example)?.[split] === part);
}
