/** Which encounters an evaluation trains on, tunes on and tests on, for each validation design. */
import type { EncounterExample } from '../dataset/examples';
import { examplesIn, type PreparedData } from '../dataset/prepare';
import type { SplitName } from '../dataset/splits';

export interface EvaluationSets {
  train: EncounterExample[];
  validation: EncounterExample[];
  test: EncounterExample[];
  /** `internal`, `temporal`, or `external` (trained on other populations than the test). */
  design: SplitName | 'external';
  /** Names of the populations tested, in the order given: the report's per-population breakdown. */
  testPopulations: string[];
  /** What was trained on → what was tested, for the report's `dataset` field. */
  label: string;
}

/**
 * Internal / temporal: train, validation and test parts of the same populations (internal by patient across
 * all of them, temporal by each population's own cut-off). External: train on the internal train and test parts
 * of the training populations, tune thresholds on their validation part, test on every encounter of `data` —
 * nothing is tuned on the test populations.
 */
export function evaluationSets(data: PreparedData, split: SplitName, trainData?: PreparedData): EvaluationSets {
  const testPopulations = data.populations.map((population) => population.name);
  const names = (prepared: PreparedData) => prepared.populations.map((population) => population.path).join(' + ');
  if (trainData) {
    return {
      train: trainData.examples.filter((example) => trainData.parts.get(example)?.internal !== 'val'),
      validation: examplesIn(trainData, 'internal', 'val'),
      test: data.examples,
      design: 'external',
      testPopulations,
      label: `${names(trainData)} -> ${names(data)}`,
    };
  }
  return {
    train: examplesIn(data, split, 'train'),
    validation: examplesIn(data, split, 'val'),
    test: examplesIn(data, split, 'test'),
    design: split,
    testPopulations,
    label: names(data),
  };
}
