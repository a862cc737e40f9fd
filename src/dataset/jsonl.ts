/** The dataset file: one JSON line per encounter example. Raw patient and encounter ids are never written. */
import { createWriteStream } from 'fs';
import { once } from 'events';
import type { EncounterExample } from './examples';
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
  candidates: { name: string; label: 0 | 1 }[];
  split: Record<SplitName, Part>;
}

export function toDatasetLine(example: EncounterExample, candidates: readonly string[], split: Record<SplitName, Part>): DatasetLine {
  const positives = new Set(example.labels);
  return {
    population: example.population,
    patient: example.patientKey,
    encounter: example.encounterKey,
    date: example.date,
    prefix: example.prompt.prefix,
    suffixTemplate: example.prompt.suffixTemplate,
    template: example.prompt.template,
    candidates: candidates.map((name) => ({ name, label: positives.has(name) ? 1 : 0 })),
    split,
  };
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
