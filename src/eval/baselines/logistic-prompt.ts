/**
 * `logistic-prompt`: the logistic baseline over what the LAMO prompt itself says (issue 17.1): past medical
 * history, diagnoses, procedures, visit class and type, medications on admission, allergies and the previous
 * visit's drugs, each item a token of its section. A strong, cheap reference for what the prompt's sections
 * alone predict; it reads the prompt's evidence, so it follows the prompt when the prompt changes.
 */
import type { EncounterExample } from '../../dataset/examples';
import type { LogisticOptions } from '../logistic/trainer';
import { LogisticRecommender } from './logistic';

/**
 * Chosen on the internal validation part of the three training populations (pooled Jaccard 0.689, against
 * 0.665 with `logistic`'s defaults; the comparison is in model/reports/baselines-frozen.md), never on a
 * test part: the prompt's sections are ~4× as many tokens as `logistic`'s codes, and a smaller step with
 * more L2 overfits them less.
 */
export const PROMPT_LOGISTIC_OPTIONS: LogisticOptions = { epochs: 60, learningRate: 0.01, l2: 1e-3, batchSize: 32 };

export function promptTokens(example: EncounterExample): string[] {
  const { evidence } = example.prompt;
  const { encounterClass, encounterTypes } = example.features;
  return [
    ...(encounterClass ? [`class:${encounterClass}`] : []),
    ...encounterTypes.map((t) => `type:${t}`),
    ...evidence.pastHistory.map((c) => `history:${c}`),
    ...evidence.diagnoses.map((c) => `diagnosis:${c}`),
    ...evidence.procedures.map((p) => `procedure:${p}`),
    ...evidence.medicationsOnAdmission.map((d) => `admission:${d}`),
    ...evidence.allergies.map((a) => `allergy:${a}`),
    ...evidence.previousDrugs.map((d) => `previous:${d}`),
  ];
}

export class LogisticPromptRecommender extends LogisticRecommender {
  constructor(options: LogisticOptions = PROMPT_LOGISTIC_OPTIONS) {
    super(options, 'logistic-prompt', promptTokens);
  }
}
