/**
 * Drug–disease cautions on cards (fhir-mappings/contraindications.json through src/safety/contraindications.ts),
 * worded as strongly as their source: "contraindicated", "do not use", "avoid", "use with caution".
 *
 * One problem, one card: several judged drugs under one rule and one condition (three opioids ordered for a patient
 * with an opioid use disorder) are one caution, given on the first of them, naming every product and offering to
 * remove each draft — not three cards saying the same thing. A drug's other findings stay on its own card.
 */
import { displayName } from '../../fhir/display';
import type { ContraindicationFinding } from '../../safety/types';
import type { Finding, FindingSubject } from '../findings';
import { md, overrideNote, OVERRIDE_REASONS, sourceLine } from './card';
import type { Namer } from './safety';

const STRENGTH_HEADING: Record<ContraindicationFinding['strength'], string> = {
  contraindicated: 'Contraindication',
  'do-not-use': 'Do not use',
  avoid: 'Avoid',
  'use-with-caution': 'Use with caution',
};

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "the patient has **Asthma** (asthma)", "the latest result, **eGFR 22 …**, is in the range of …", "the patient is **8 years old**". */
function whatMeetsIt(finding: ContraindicationFinding, condition: string): string {
  const { age } = finding.condition;
  if (age !== undefined) return `the patient is **${age} ${age === 1 ? 'year' : 'years'} old** (${md(finding.conditionGroup)})`;
  if (finding.condition.absent) return `the record shows **${md(condition)}** (${md(finding.conditionGroup)})`;
  if (finding.condition.lab) return `the latest result, **${md(condition)}**, is in the range of ${md(finding.conditionGroup)}`;
  return `the patient has **${md(condition)}** (${md(finding.conditionGroup)})`;
}

const role = (subject: FindingSubject): string => (subject.source === 'draft' ? 'being ordered' : 'active');

/** The findings of one rule and one condition, each about a judged drug, as one card finding. */
function cautionFinding(group: readonly ContraindicationFinding[], namer: Namer): Finding {
  const [first] = group;
  const subjects = group.map((finding) => namer.subject(finding.drug));
  const condition = displayName(first.condition.display);
  const names = [...new Set(group.map((finding) => finding.drug.name))];
  // Each finding's rationale names its drug first ("fentanyl (opioid): …"); one of them speaks for the group.
  const rationale = group.length === 1 ? first.rationale : first.rationale.replace(/^[^(:]*\(([^)]*)\):\s*/, 'Each is an $1: ');
  return {
    kind: 'contraindication',
    indicator: first.severity,
    subject: subjects[0],
    ...(subjects.length > 1 ? { others: subjects.slice(1) } : {}),
    // The source's own words: "avoid prolonged use" is not "contraindicated".
    summary: `${capitalised(listed(names))} ${first.condition.age !== undefined ? 'at' : 'with'} ${condition}: ${first.advice}`,
    phrase: subjects.length > 1 ? `${first.advice} (${condition}; also ${listed(names.slice(1))})` : `${first.advice} (${condition})`,
    detail: [
      `**${STRENGTH_HEADING[first.strength]}**: ${whatMeetsIt(first, condition)}; ${md(first.advice)}.`,
      ...(subjects.length > 1 ? [`This applies to each of:\n${subjects.map((subject) => `- ${md(subject.label)} (${role(subject)})`).join('\n')}`] : []),
      md(capitalised(rationale)),
      ...overrideNote(first.override, first.severity),
      sourceLine(first.sources, first.ruleId),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.benefitOutweighsRisk, OVERRIDE_REASONS.clinicallyIndicated],
  };
}

/** One finding per rule and condition, over the judged drugs it concerns (in the order they are judged). */
export function cautionFindings(found: readonly ContraindicationFinding[], namer: Namer): Finding[] {
  const groups = new Map<string, ContraindicationFinding[]>();
  for (const finding of found) {
    if (!namer.judged.has(finding.drug)) continue;
    const key = `${finding.ruleId}|${finding.condition.id}`;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  return [...groups.values()].map((group) => cautionFinding([...group].sort((a, b) => namer.position(a.drug) - namer.position(b.drug)), namer));
}
