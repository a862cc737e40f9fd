/** A LAMO prompt for one encounter, split so that scoring can reuse the shared part:
 * full prompt for candidate d = prefix + suffixTemplate with "{drug}" replaced by d. */
export interface EncounterPrompt {
  /** Everything before the candidate drug name: instruction, history block, current condition. */
  prefix: string;
  /** The per-candidate tail, e.g. "{drug}.\n'''\n###Answer:\n". */
  suffixTemplate: string;
  /** Which template was used (the manifest's `withHistory` or `withoutHistory`). */
  template: 'withHistory' | 'withoutHistory';
}

/** The prompt templates, as the model manifest (model/lamo.json `templates`) holds them. */
export interface PromptTemplates {
  /** Contains {history}, {input} and {drug}. */
  withHistory: string;
  /** Contains {input} and {drug}. */
  withoutHistory: string;
}

export function suffixFor(prompt: EncounterPrompt, drug: string): string {
  return prompt.suffixTemplate.split('{drug}').join(drug);
}
