/** Never silent: draft medication orders the service could not assess (another patient's order, no drug named,
 * a Medication that cannot be read) are named in one card that says why. An order for another patient is a
 * warning (a wrong-patient order is itself a hazard); the others are info. */
import type { IssuedCard } from '../types';
import { makeCard, md, OVERRIDE_REASONS, type CardSourceInfo } from './card';

export interface UnassessedDraft {
  /** What the EHR shows for the order: its drug text, else its id. */
  label: string;
  reason: string;
  /** The reason in a few words, for the summary. */
  short: string;
  otherPatient: boolean;
}

export function unassessedDraftsCard(source: CardSourceInfo, drafts: readonly UnassessedDraft[]): IssuedCard[] {
  if (drafts.length === 0) return [];
  const otherPatient = drafts.some((draft) => draft.otherPatient);
  const summary =
    drafts.length === 1
      ? drafts[0].otherPatient
        ? `Draft order for another patient not checked: ${drafts[0].label}`
        : `Draft order not checked: ${drafts[0].label} (${drafts[0].short})`
      : `${drafts.length} draft orders not checked: ${drafts.map((draft) => draft.label).join(', ')}`;
  return [
    makeCard('unassessed-draft', source, {
      summary,
      indicator: otherPatient ? 'warning' : 'info',
      detail: [
        'No interaction, allergy, duplicate, contraindication or indication check could be run on these draft orders:',
        drafts.map((draft) => `- **${md(draft.label)}**: ${md(draft.reason)}`).join('\n'),
        ...(otherPatient ? ['A draft order that names another patient may be a wrong-patient order: please check it before signing.'] : []),
      ].join('\n\n'),
      ...(otherPatient ? { overrideReasons: [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete] } : {}),
    }),
  ];
}
