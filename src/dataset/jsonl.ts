/** The dataset file: one JSON line per encounter example. Raw patient and encounter ids are never written. */
import { createWriteStream } from 'fs';
import { once } from 'events';
import type { EncounterExample } from './examples';
import { historyOf, type EncounterPrompt } from '../lamo/types';
import type { Regime } from '../lamo/medication-history';
import type { Part, SplitName } from './splits';

export interface DatasetLine {
  /** The population (data folder) the encounter comes from. */
  population: string;
  patient: string;
  encounter: string;
  date: string;
  prefix: string;
  suffixTemplate: string;
  template: EncounterExample['prompt']['template'];
  /** The visit's candidate set (the vocabulary, then the patient's other earlier drugs), each with its label
   * and, for a drug ordered before, its history text (what the suffix says after its name). */
  candidates: { name: string; label: 0 | 1; history?: string }[];
  /** Drugs ordered in the encounter that are not candidates (unseen new drugs): misses for every method. */
  unreachableLabels: number;
  /** The record's renewal regime before the encounter (issue 17.5), for regime-balanced training. */
  regime: Regime;
  split: Record<SplitName, Part>;
}

export function toDatasetLine(example: EncounterExample, split: Record<SplitName, Part>): DatasetLine {
  const positives = new Set(example.labels);
  const reachable = new Set(example.candidates);
  return {
    population: example.population,
    patient: example.patientKey,
    encounter: example.encounterKey,
    date: example.date,
    prefix: example.prompt.prefix,
    suffixTemplate: example.prompt.suffixTemplate,
    template: example.prompt.template,
    candidates: example.candidates.map((name) => {
      const history = historyOf(example.prompt, name);
      return { name, label: positives.has(name) ? 1 : 0, ...(history ? { history } : {}) };
    }),
    unreachableLabels: example.labels.filter((label) => !reachable.has(label)).length,
    regime: example.history.regime,
    split,
  };
}

/** The prompt a dataset line was written from (its candidate histories included). */
export function promptOfLine(line: Pick<DatasetLine, 'prefix' | 'suffixTemplate' | 'template' | 'candidates'>): EncounterPrompt {
  const candidateHistory: Record<string, string> = {};
  for (const candidate of line.candidates ?? []) if (candidate.history) candidateHistory[candidate.name] = candidate.history;
  return { prefix: line.prefix, suffixTemplate: line.suffixTemplate, template: line.template ?? 'withoutHistory', candidateHistory };
}

export async function writeJsonl(file: string, lines: Iterable<object>): Promise<number> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  let count = 0;
  for (const line of lines) {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    count += 1;
  }
  out.end();
  await once(out, 'finish');
  return count;
}
