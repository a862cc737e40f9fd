/**
 * One problem, one card, for duplicate therapy too: three long-acting opioids ordered together are one duplicate
 * ("keep one long-acting opioid"), not a card on each of the later two naming the earlier ones. The duplicate
 * findings of one rule (and, for a shared ingredient, of one ingredient) that meet in a call are gathered into one
 * finding on the latest judged drug among them, naming every product and offering to remove each draft. A single
 * pair keeps its own wording (src/cds/cards/safety.ts).
 */
import type { DrugRef, DuplicateFinding } from '../../safety/types';
import type { Finding, FindingSubject } from '../findings';
import { md, overrideNote, OVERRIDE_REASONS, sourceLine } from './card';
import type { Namer } from './safety';

const key = (ref: DrugRef): string => `${ref.source}:${ref.orderId ?? ref.name}`;
const role = (ref: DrugRef): string => (ref.source === 'draft' ? 'being ordered' : 'active');
const RANK = { critical: 0, warning: 1, info: 2 } as const;

/** "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The duplicate findings (class or shared ingredient) that fall into groups of three drugs or more, by group. */
export function duplicateGroups(findings: readonly DuplicateFinding[]): { groups: DuplicateFinding[][]; rest: DuplicateFinding[] } {
  const byRule = new Map<string, DuplicateFinding[]>();
  for (const finding of findings) {
    if (finding.basis !== 'class' && finding.basis !== 'ingredient') continue;
    const id = `${finding.ruleId}|${finding.shared.join('+')}`;
    byRule.set(id, [...(byRule.get(id) ?? []), finding]);
  }
  const grouped = new Set<DuplicateFinding>();
  const groups: DuplicateFinding[][] = [];
  for (const members of byRule.values()) {
    const drugs = new Set(members.flatMap((finding) => finding.drugs.map(key)));
    if (drugs.size < 3) continue;
    groups.push(members);
    for (const finding of members) grouped.add(finding);
  }
  return { groups, rest: findings.filter((finding) => !grouped.has(finding)) };
}

/** One finding for a group of duplicate findings of one rule, on the latest judged drug among them. */
export function groupedDuplicateFinding(group: readonly DuplicateFinding[], namer: Namer): Finding | undefined {
  const refs = new Map<string, DrugRef>();
  for (const finding of group) for (const ref of finding.drugs) refs.set(key(ref), ref);
  const judged = [...refs.values()].filter((ref) => namer.judged.has(ref)).sort((a, b) => namer.position(a) - namer.position(b));
  if (judged.length === 0) return undefined;
  const subject: FindingSubject = namer.subject(judged[judged.length - 1]);
  const others = judged.slice(0, -1).map((ref) => namer.subject(ref));
  const worst = [...group].sort((a, b) => RANK[a.severity] - RANK[b.severity])[0];
  const all = [...refs.values()];
  const names = [...new Set(all.map((ref) => ref.name))];
  const what = worst.basis === 'ingredient' ? `${all.length} products containing ${worst.shared.join(' and ')}` : worst.shared[0].replace(/^two /, `${all.length} `);
  return {
    kind: 'duplicate-therapy',
    indicator: worst.severity,
    subject,
    ...(others.length > 0 ? { others } : {}),
    summary: `Duplicate therapy: ${listed(names)} (${what})`,
    phrase: `duplicate therapy with ${listed(names.filter((name) => name !== subject.name))} (${what})`,
    detail: [
      `**Duplicate therapy: ${md(what)}**:\n${all.map((ref) => `- ${md(namer.label(ref))} (${role(ref)})`).join('\n')}`,
      ...(worst.basis === 'class' ? [md(capitalised(worst.rationale.replace(/^[^:]*:\s*/, '')))] : [md(worst.rationale)]),
      ...(worst.advice ? [`What to do: ${md(worst.advice)}.`] : []),
      ...overrideNote(worst.override, worst.severity),
      sourceLine(worst.sources, worst.ruleId),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.intendedCombination, OVERRIDE_REASONS.clinicallyIndicated],
  };
}
