/** A LAMO prompt for one encounter, split so that scoring can reuse the shared part:
 * full prompt for candidate d = prefix + suffixFor(prompt, d). */
export interface EncounterPrompt {
  /** Everything before the candidate drug name: instruction, history block, current condition. */
  prefix: string;
  /** The per-candidate tail, e.g. "{drug}.\n'''\n###Answer:\n". */
  suffixTemplate: string;
  /** Which template was used (the manifest's `withHistory` or `withoutHistory`). */
  template: 'withHistory' | 'withoutHistory';
  /**
   * Every drug the patient was ordered before the encounter → what the suffix says of it right after its
   * name (", ordered at the last visit, …"; see src/lamo/history-text.ts). A drug not listed was never
   * ordered and its suffix is the template's alone. These drugs are also the visit's own candidates beyond
   * the model's vocabulary: a renewal of a drug the model never saw is scored from its history.
   */
  candidateHistory?: Readonly<Record<string, string>>;
}

/** The prompt templates, as the model manifest (model/lamo.json `templates`) holds them. */
export interface PromptTemplates {
  /** Contains {history}, {input} and {drug}. */
  withHistory: string;
  /** Contains {input} and {drug}. */
  withoutHistory: string;
  /**
   * Whether the prompt words the medication history (issue 17 item 3): the recent-visits lines in the prefix
   * and each candidate's own history in its suffix. A property of the model, since a model reads only the
   * format it was trained on: `readPromptTemplates` sets it from the manifest's `"prompt": { "history": true }`,
   * which models trained before that format (2.0.0) lack. Absent here (templates made in code): true.
   */
  history?: boolean;
}

/** The suffix of candidate `drug`: the template with the drug's name and, when it has one, its history. */
export function suffixFor(prompt: EncounterPrompt, drug: string): string {
  return prompt.suffixTemplate.split('{drug}').join(drug + historyOf(prompt, drug));
}

/** The history text of `drug` in `prompt` ('' when it was never ordered). */
export function historyOf(prompt: Pick<EncounterPrompt, 'candidateHistory'>, drug: string): string {
  const history = prompt.candidateHistory;
  return history !== undefined && Object.prototype.hasOwnProperty.call(history, drug) ? history[drug]! : '';
}

/** The candidates a prompt is scored on by default: the model's, then the patient's other earlier drugs. */
export function promptCandidates(prompt: Pick<EncounterPrompt, 'candidateHistory'>, modelCandidates: readonly string[]): string[] {
  const known = new Set(modelCandidates);
  const extra = Object.keys(prompt.candidateHistory ?? {}).filter((drug) => !known.has(drug)).sort();
  return [...modelCandidates, ...extra];
}
