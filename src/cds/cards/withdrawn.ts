/**
 * A drug withdrawn from the market (its reviewed suggestion setting is 'never', fhir-mappings/suggestion-settings.json:
 * astemizole and terfenadine for torsades de pointes, tacrine, Enovid). Such a drug is never suggested; when a record
 * still lists it as active, or a draft names it, the clinician is told plainly — an old exported record kept
 * astemizole 'active', and the review's only card about it said "no indication found".
 */
import { shortCitation } from '../../safety/citations';
import { drugRef, type SafetyDrug } from '../../safety/types';
import type { Finding } from '../findings';
import type { Namer, SafetyChecks } from './safety';
import { md, OVERRIDE_REASONS } from './card';

const capitalised = (text: string): string => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;

export function withdrawnFindings(judgedDrugs: readonly SafetyDrug[], namer: Namer, checks: Pick<SafetyChecks, 'withdrawn'>): Finding[] {
  const findings: Finding[] = [];
  for (const drug of judgedDrugs) {
    const entry = checks.withdrawn(drug);
    if (!entry || !namer.judged.has(drugRef(drug))) continue;
    const action = drug.source === 'draft' ? 'Choose a drug that is on the market for the same purpose.' : 'Review whether the patient still takes it; the record may be out of date. Stop it and replace it with a current alternative.';
    findings.push({
      kind: 'withdrawn-drug',
      indicator: 'warning',
      subject: namer.subject(drugRef(drug)),
      summary: `${capitalised(drug.name)}: ${entry.reason}`,
      phrase: entry.reason,
      detail: [
        `**Withdrawn drug**: ${md(drug.name)} is ${md(entry.reason)}.`,
        action,
        `_Source: ${entry.sources.map((id) => md(shortCitation(id))).join('; ')} (${md(entry.review)})._`,
      ].join('\n\n'),
      overrideReasons: [OVERRIDE_REASONS.recordIncomplete, OVERRIDE_REASONS.clinicallyIndicated],
    });
  }
  return findings;
}
