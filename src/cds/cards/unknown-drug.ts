/**
 * A drug the drug catalogue does not know (contract A): its ingredients and classes could not be read, so the
 * checks that work by class (interactions between classes, duplicate classes, allergy classes, drug–disease
 * cautions, the indication) could not run for it; only a match on its own name could. A clinician must not
 * read the absence of a warning as "checked": the card says so plainly (issue 15.1, K3).
 */
import type { MedicationOrder } from '../../fhir/types';
import { candidateOf, orderLabel, type Assessment } from '../assessment';
import type { Finding } from '../findings';
import { md } from './card';
import type { SafetyChecks } from './safety';

/** An information finding on each judged order whose drug is not in the drug catalogue. */
export function unknownDrugFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  const findings: Finding[] = [];
  for (const order of assessment.judged) {
    const drug = checks.drugOfOrder(order, 'draft');
    if (drug.known !== false) continue;
    findings.push(finding(assessment, order, drug.name, drug.ingredients));
  }
  return findings;
}

function finding(assessment: Assessment, order: MedicationOrder, name: string, read: readonly string[]): Finding {
  const label = orderLabel(order);
  const candidate = candidateOf(order, assessment.vocab);
  const source = order.status === 'draft' || assessment.drafts.includes(order) ? 'draft' : 'active';
  const what = read.length > 0 ? ` (its text read as ${read.map((r) => `"${md(r)}"`).join(', ')})` : '';
  return {
    kind: 'drug-not-in-catalogue',
    indicator: 'info',
    subject: { orderId: order.id, name, label, source, ...(candidate ? { candidate } : {}) },
    summary: `${label}: not in the drug catalogue, so its drug class is unknown`,
    phrase: 'not in the drug catalogue (drug class unknown)',
    detail: [
      `**Not in the drug catalogue**: the service could not identify the ingredients and drug class of ${md(label)}${what}.`,
      'The checks that work by class could not run for it: interactions between drug classes, duplicate therapy within a class, allergy classes, drug–disease cautions and its indication. Only a match on its own name was checked, so the absence of a warning about it does not mean it was checked. Review it against the other drugs, allergies and conditions as you would by hand.',
    ].join('\n\n'),
    overrideReasons: [],
  };
}
