/**
 * A judged order for which no active condition in the record is an indication.
 *
 * New orders (a draft of a drug the patient is not taking and was not ordered in the past year) are judged on
 * the indication knowledge alone: a warning, or an info card for a low-harm drug. The model's P(yes) goes in
 * the detail but never decides: it answers "will this be ordered at this visit", which is low for most new
 * starts whatever their indication. Nothing is said about a drug given without a condition (contraception,
 * vaccines, procedures …) or one whose indications the knowledge does not hold at all (it cannot know).
 *
 * Continued drugs (an active order or one of the past year of the same ingredient, drafted again) and active
 * medications in review keep the stricter rule: no indication AND the model confident the drug is very unlikely
 * now (a chronic drug not due for renewal scores low while its indication stands). High-risk chronic drugs
 * (anticoagulants, antiepileptics, insulin …) are then never advised against: at most an info card asks to
 * confirm the indication, since stopping them without review can harm.
 */
import { displayName } from '../../fhir/display';
import type { MedicationOrder } from '../../fhir/types';
import { isKnown, reviewedLabels, type IndicationDrug, type IndicationProfile } from '../../medications/drug-indications';
import { activeConditions, activeOrRecentOrders, candidateOf, mayBeIncomplete, modelFindsUnlikely, orderLabel, sharesIngredient, supportFor, type Assessment } from '../assessment';
import type { Finding, FindingSubject } from '../findings';
import { md, OVERRIDE_REASONS } from './card';

/** An order of the same ingredient this recent makes a draft a continuation (the prompt's medication window). */
const CONTINUED_WITHIN_DAYS = 365;

interface Unsupported {
  order: MedicationOrder;
  drug: IndicationDrug;
  profile: IndicationProfile;
  subject: FindingSubject;
}

/** The judged order's drug when the knowledge holds its indications, none of which the record has. */
function unsupported(assessment: Assessment, order: MedicationOrder, source: 'draft' | 'active'): Unsupported | undefined {
  const drug = assessment.knowledge.describe.ofConcept(order.concept);
  if (!drug) return undefined;
  const profile = assessment.knowledge.drugIndications.profile(drug);
  // Unknown to the knowledge, or given without a condition: a missing indication says nothing.
  if (!isKnown(profile) || profile.noConditionNeeded) return undefined;
  const candidate = candidateOf(order, assessment.vocab);
  if (supportFor(assessment, candidate, order).length > 0) return undefined;
  const name = candidate ?? drug.name;
  return { order, drug, profile, subject: { orderId: order.id, name, label: orderLabel(order), source, ...(candidate ? { candidate } : {}) } };
}

/** The active order, or the order of the past year, that a draft (or a suggestion: no draft) of the same ingredient continues. */
export function continuedOrder(assessment: Assessment, draft: MedicationOrder | undefined, drug: IndicationDrug): MedicationOrder | undefined {
  const describe = (order: MedicationOrder) => assessment.knowledge.describe.ofConcept(order.concept);
  const orders = activeOrRecentOrders(assessment, CONTINUED_WITHIN_DAYS, new Set(draft ? [draft.id] : []));
  return orders.find((order) => sharesIngredient(describe(order), drug));
}

function knownText(found: Unsupported): string {
  const labels = reviewedLabels(found.profile);
  return labels.length > 0 ? ` (its known indications: ${labels.map(md).join('; ')})` : '';
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const REASONS = [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete];

/** A new order: judged on the knowledge alone. */
function newOrderFinding(assessment: Assessment, found: Unsupported): Finding {
  const { subject, profile } = found;
  const lowHarm = profile.lowHarm;
  // The order's apparent reason may be a recorded condition the drug does not treat (an antibiotic for a viral sinusitis).
  const apparent = assessment.knowledge.drugIndications.notTreatedAmong(profile, activeConditions(assessment), (condition) => condition.concept);
  const condition = apparent ? displayName(apparent.condition.concept.display) : undefined;
  const lead = apparent
    ? `**No indication found**: the record holds ${md(condition ?? '')}, which is no indication of ${md(subject.name)}: ${md(apparent.notTreated.reason)}.`
    : `**No indication found**: ${md(subject.name)} is a new order for this patient (not active, not ordered in the past year), and no active condition in the record is one of its indications${knownText(found)}.`;
  return {
    kind: 'unsupported-order',
    indicator: lowHarm ? 'info' : apparent?.notTreated.indicator ?? 'warning',
    subject,
    summary: apparent ? `No indication for ${subject.name} found: ${condition} is not one` : `No indication for ${subject.name} found in the record`,
    phrase: apparent ? `no indication found (${condition} is not one)` : 'no indication found in the record',
    detail: [
      lead,
      ...(lowHarm ? [`${md(capitalised(subject.name))} is a low-harm drug (${md(lowHarm.label)}): this is for information only.`] : []),
    ].join('\n\n'),
    overrideReasons: REASONS,
    // The model's figure goes on the card, after the findings; it never decides this one.
    usesModel: true,
  };
}

/** An active drug, or a draft continuing one: only when the model, too, finds it very unlikely. */
function continuedFinding(assessment: Assessment, found: Unsupported, continues?: MedicationOrder): Finding | undefined {
  const { subject } = found;
  const model = assessment.model;
  if (!model || !modelFindsUnlikely(model, subject.candidate)) return undefined;
  const highRisk = assessment.knowledge.highRisk.classOfCodes(found.drug.atc);
  if (highRisk) {
    return {
      kind: 'confirm-indication',
      indicator: 'info',
      subject,
      summary: `Confirm the indication for ${subject.name}: none found in the record`,
      phrase: 'confirm the indication (none found in the record)',
      detail: [
        `**No indication found**: ${md(subject.name)} is a high-risk chronic drug (${md(highRisk.label.toLowerCase())}); stopping or questioning it without review can harm, so it is not advised against. Please confirm the indication is recorded.`,
      ].join('\n\n'),
      overrideReasons: REASONS,
      usesModel: true,
    };
  }
  const active = subject.source === 'active';
  // A low-harm drug (a vitamin, calcium, a second-generation antihistamine) is information here too, as for a new order.
  const lowHarm = found.profile.lowHarm;
  const lead = active
    ? `no active condition in the record supports ${md(subject.name)}${knownText(found)}, and the LAMO model finds it very unlikely for this patient now. Consider whether it is still needed.`
    : `this order continues ${md(orderLabel(continues ?? found.order))}, no active condition in the record supports ${md(subject.name)}${knownText(found)}, and the LAMO model finds this order very unlikely for this visit.`;
  return {
    kind: active ? 'review-unsupported' : 'unsupported-order',
    indicator: lowHarm ? 'info' : 'warning',
    subject,
    summary: active ? `No indication for active ${subject.name} found in the record` : `No indication for ${subject.name} found in the record`,
    phrase: 'no indication found in the record',
    detail: [
      `**No indication found**: ${lead}`,
      ...(lowHarm ? [`${md(capitalised(subject.name))} is a low-harm drug (${md(lowHarm.label)}): this is for information only.`] : []),
    ].join('\n\n'),
    overrideReasons: REASONS,
    usesModel: true,
  };
}

/** The findings about every judged order without an indication (drafts and, in review, active drugs). */
export function unsupportedFindings(assessment: Assessment): Finding[] {
  // Contract F: "no indication found" rests on every condition and every earlier order (reasons, continuation).
  if (mayBeIncomplete(assessment, 'Condition', 'MedicationRequest')) return [];
  const findings: Finding[] = [];
  for (const order of assessment.judged) {
    const draft = order.status === 'draft' || assessment.drafts.includes(order);
    const found = unsupported(assessment, order, draft ? 'draft' : 'active');
    if (!found) continue;
    const continues = draft ? continuedOrder(assessment, order, found.drug) : undefined;
    const finding = draft && !continues ? newOrderFinding(assessment, found) : continuedFinding(assessment, found, continues);
    if (finding) findings.push(finding);
  }
  return findings;
}
