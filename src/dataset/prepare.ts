/**
 * FHIR input on disk → encounter examples with their splits: the shared first half of `dataset` and `eval`.
 *
 * Several populations (data folders) may be given. Each is loaded on its own (its own load summary) and
 * every example carries its population's name. The internal split is by patient across all of them (a
 * patient's encounters never straddle parts); the temporal split is per population, each with its own
 * cut-off dates, because generator releases ran at different "nows".
 */
import * as path from 'path';
import { formatSummary, loadPatientRecords } from '../fhir/load';
import type { LoadSummary, PatientRecord } from '../fhir/types';
import { loadVocabulary } from '../medications/vocabulary';
import type { MedicationVocabulary } from '../medications/types';
import { readPromptTemplates } from '../lamo/templates';
import type { PromptTemplates } from '../lamo/types';
import { buildExamples, type EncounterExample, type ExampleStats } from './examples';
import { assignSplits, type Part, type SplitName, type TemporalCutoffs } from './splits';

/** One data folder (or file) and what was made of it. */
export interface PopulationData {
  /** The folder's base name (e.g. `synthea-r4-615`), made unique among the populations given. */
  name: string;
  path: string;
  records: PatientRecord[];
  examples: EncounterExample[];
  load: LoadSummary;
  stats: ExampleStats;
  /** This population's own temporal cut-offs. */
  cutoffs: TemporalCutoffs;
}

export interface PreparedData {
  populations: PopulationData[];
  /** Every population's examples, in the order the populations were given. */
  examples: EncounterExample[];
  parts: Map<EncounterExample, Record<SplitName, Part>>;
  vocabulary: MedicationVocabulary;
}

export interface PrepareOptions {
  modelDir?: string;
  /** Overrides the model's prompt format (`PromptTemplates.history`): `dataset` writes the format new models
   * are trained on, whatever the model it takes the templates from was trained on. */
  promptHistory?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Loads each population in turn and builds its examples and splits. */
export async function prepareExamples(dataPaths: string | readonly string[], options: PrepareOptions = {}): Promise<PreparedData> {
  const paths = [...new Set(typeof dataPaths === 'string' ? [dataPaths] : dataPaths)];
  if (paths.length === 0) throw new Error('no data given');
  const vocabulary = loadVocabulary();
  const templates = promptTemplates(options);
  const names = populationNames(paths);
  const populations: PopulationData[] = [];
  const parts = new Map<EncounterExample, Record<SplitName, Part>>();

  for (const [index, dataPath] of paths.entries()) {
    const name = names[index];
    const { records, summary } = await loadPatientRecords(dataPath, {
      onProgress: (done: number, total: number) => options.onProgress?.(`load ${name}`, done, total),
    });
    if (records.length === 0) {
      // An empty dataset would look like a valid result; say what was (not) read instead.
      throw new Error(`no patients found in ${dataPath}: ${formatSummary(summary)}`);
    }
    const { examples, stats } = buildExamples(records, templates, vocabulary, {
      population: name,
      onProgress: (done, total) => options.onProgress?.(`prompts ${name}`, done, total),
    });
    const split = assignSplits(examples);
    for (const [example, part] of split.parts) parts.set(example, part);
    populations.push({ name, path: dataPath, records, examples, load: summary, stats, cutoffs: split.cutoffs });
  }
  return { populations, examples: populations.flatMap((population) => population.examples), parts, vocabulary };
}

/** The model's templates, in the format `options` asks for. */
export function promptTemplates(options: Pick<PrepareOptions, 'modelDir' | 'promptHistory'>): PromptTemplates {
  const templates = readPromptTemplates(options.modelDir);
  return options.promptHistory === undefined ? templates : { ...templates, history: options.promptHistory };
}

export function examplesIn(data: PreparedData, split: SplitName, part: Part): EncounterExample[] {
  return data.examples.filter((example) => data.parts.get(example)?.[split] === part);
}

/** Base names, with `#2`, `#3` … where two folders share one. */
function populationNames(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((dataPath) => {
    const base = path.basename(path.resolve(dataPath)).replace(/\.(nd)?json(\.gz)?$/i, '');
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  });
}
