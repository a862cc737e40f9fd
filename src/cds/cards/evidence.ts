/** The markdown evidence of model cards: the drug's P(yes) against the model's thresholds, and what the model's
 * prompt was built from, in the words of the setting: "diagnoses of this visit" for a known encounter, else
 * "active problems"; and the prompt's medication list (orders active or written in the last 365 days, stopped
 * ones included) labelled as what it is, never as "current medications", which are the orders active now.
 * When no encounter was named or in progress, the detail says the decision was made without today's visit. */
import { PROMPT_MEDICATIONS_LABEL, WITHOUT_ENCOUNTER } from '../app-wire';
import { probabilityOf, type Assessment, type ModelOutput } from '../assessment';
import { md, percent } from './card';

const SECTION_NAMES: Record<string, string> = {
  historyOfPresentIllness: 'history of present illness',
  pastMedicalHistory: 'past medical history',
  allergies: 'allergies',
  medicationsOnAdmission: 'medications on admission',
};

/** Each item whole (condition names hold commas of their own), separated by semicolons. */
function listLine(label: string, items: readonly string[]): string | undefined {
  return items.length > 0 ? `- ${label}: ${items.map(md).join('; ')}` : undefined;
}

/** What the prompt was built from, as a markdown list. */
export function promptEvidence(assessment: Pick<Assessment, 'inpatient' | 'encounterId' | 'encounterBasis'>, model: ModelOutput): string {
  const e = model.evidence;
  const ofVisit = assessment.inpatient || assessment.encounterId !== undefined;
  const lines = [
    listLine(ofVisit ? 'Diagnoses of this visit' : 'Active problems', e.diagnoses),
    listLine('Other conditions', e.pastHistory),
    listLine('Procedures', e.procedures),
    listLine(assessment.inpatient ? 'Medications on admission (active or ordered in the past 365 days)' : PROMPT_MEDICATIONS_LABEL, e.medicationsOnAdmission),
    listLine('Note sections', e.noteSections.map((name) => (name === 'medicationsOnAdmission' && !assessment.inpatient ? 'medications' : SECTION_NAMES[name] ?? name))),
    listLine("Previous visit's drugs", e.previousDrugs),
  ].filter((line): line is string => line !== undefined);
  const read = lines.length > 0 ? `The model read:\n${lines.join('\n')}` : 'The model read: no diagnoses, procedures or notes (the record is sparse).';
  return assessment.encounterBasis === 'none' ? `${read}\n\n${WITHOUT_ENCOUNTER}` : read;
}

/** "model P(yes) 12% (recommends from 50%)": figures for the detail, never the summary. */
export function modelScore(model: ModelOutput, candidate: string): string {
  const probability = probabilityOf(model, candidate);
  if (probability === undefined) return `The model did not score ${md(candidate)}.`;
  return (
    `Model P(yes) for ${md(candidate)} at this visit: ${percent(probability)} ` +
    `(recommended from ${percent(model.thresholds.recommend(candidate))}; called unlikely under ${percent(model.thresholds.unsupported(candidate))}).`
  );
}

export function modelFootnote(model: ModelOutput): string {
  return `_LAMO model version ${md(model.modelVersion)}; a recommendation aid, not a substitute for clinical judgement._`;
}
