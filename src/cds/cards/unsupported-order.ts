/**
 * A judged order (a draft, or in the review an active drug) that nothing in the record supports: no active
 * condition is its indication (its own reason, earlier orders' reasons, the indication table) AND the model is
 * confident it is very unlikely here (its own `unsupported` threshold, separate from the recommendation one).
 * Both are needed: P(yes) answers "will this be ordered at this visit", not "does the record support it", so a
 * chronic drug not due for renewal scores low while its indication stands.
 * High-risk chronic drugs (anticoagulants, antiepileptics, insulin, …) are never advised against on model
 * grounds: at most an info finding asks to confirm the indication.
 */
import { candidateOf, modelFindsUnlikely, orderLabel, supportFor, type Assessment } from '../assessment';
import type { Finding } from '../findings';
import { md, OVERRIDE_REASONS } from './card';
import { modelFootnote, modelScore, promptEvidence } from './evidence';

export function unsupportedFindings(assessment: Assessment): Finding[] {
  const model = assessment.model;
  if (!model) return [];
  const findings: Finding[] = [];
  for (const order of assessment.judged) {
    const candidate = candidateOf(order, assessment.vocab);
    if (candidate === undefined || !modelFindsUnlikely(model, candidate)) continue;
    if (supportFor(assessment, candidate, order).length > 0) continue;
    // Contraceptives and procedure drugs are given without a condition: a missing one says nothing.
    const none = assessment.knowledge.indications.noIndicationKnown(candidate);
    if (none && none.use !== 'unknown') continue;
    const source = order.status === 'draft' || assessment.drafts.includes(order) ? 'draft' : 'active';
    const subject = { orderId: order.id, name: candidate, label: orderLabel(order), source, candidate } as const;
    const evidence = [modelScore(model, candidate), promptEvidence(assessment, model), modelFootnote(model)];
    const highRisk = assessment.knowledge.highRisk.classOf(candidate);
    if (highRisk) {
      findings.push({
        kind: 'confirm-indication',
        indicator: 'info',
        subject,
        summary: `Confirm the indication for ${candidate}: none found in the record`,
        phrase: `confirm the indication (none found in the record)`,
        detail: [
          `**No indication found**: ${md(candidate)} is a high-risk chronic drug (${md(highRisk.label.toLowerCase())}); stopping or questioning it without review can harm, so it is not advised against. Please confirm the indication is recorded.`,
          ...evidence,
        ].join('\n\n'),
        overrideReasons: [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete],
      });
      continue;
    }
    const active = source === 'active';
    findings.push({
      kind: active ? 'review-unsupported' : 'unsupported-order',
      indicator: 'warning',
      subject,
      summary: active ? `No indication for active ${candidate} found in the record` : `No indication for ${candidate} found in the record`,
      phrase: 'no indication found in the record',
      detail: [
        active
          ? `**No indication found**: no active condition in the record supports ${md(candidate)}, and the LAMO model finds it very unlikely for this patient now. Consider whether it is still needed.`
          : `**No indication found**: no active condition in the record supports ${md(candidate)}, and the LAMO model finds this order very unlikely for this visit.`,
        ...evidence,
      ].join('\n\n'),
      overrideReasons: [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete],
    });
  }
  return findings;
}
