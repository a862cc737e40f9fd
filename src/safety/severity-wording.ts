/**
 * A rule's severity must say what its source says (issue 15.5): `critical` is for what the source calls
 * contraindicated, or says must not be used or combined (a guideline's "harm" recommendation, a boxed warning
 * to stop); "avoid", "not recommended" and "use with caution" are warnings — an interaction rule may still be
 * raised to critical by a patient factor the source names (a past GI bleed, an INR above 3) —; "monitor" or a
 * dose adjustment alone is at most a warning. The card says the source's words, so a mismatch would put
 * "avoid" under a red banner or "contraindicated" under a yellow one.
 *
 * Checked where the rules are read: contraindications.json at start-up (src/safety/contraindications.ts), the
 * interaction rules when interactions.json is built (scripts/build-interactions.ts) and again by a test.
 */
import type { Severity } from './types';

/** How strongly the source words it, strongest first. */
export type SourceWords = 'contraindicated' | 'do-not-use' | 'avoid' | 'use-with-caution' | 'adjust-or-monitor';

const STRONG: ReadonlySet<SourceWords> = new Set(['contraindicated', 'do-not-use']);

/** The strength an interaction rule's action states by its first words ("Contraindicated: …", "Avoid …"). */
export function wordsOfAction(action: string): SourceWords {
  const text = action.trim();
  if (/^contraindicated\b/i.test(text)) return 'contraindicated';
  if (/^do not (use|combine|give)\b/i.test(text)) return 'do-not-use';
  if (/^(avoid|not recommended)\b/i.test(text)) return 'avoid';
  if (/^use with caution\b/i.test(text)) return 'use-with-caution';
  return 'adjust-or-monitor';
}

/** Whether a contraindication rule's advice begins with words of its stated strength. */
export function adviceSaysStrength(strength: SourceWords, advice: string): boolean {
  const text = advice.trim();
  switch (strength) {
    case 'contraindicated':
      return /^contraindicated\b/i.test(text);
    case 'do-not-use':
      return /^(do not|stop)\b/i.test(text);
    case 'avoid':
      return /^avoid\b/i.test(text);
    case 'use-with-caution':
      return /^use with caution\b/i.test(text);
    case 'adjust-or-monitor':
      return !/^(contraindicated|do not|avoid|use with caution)\b/i.test(text);
  }
}

/** Why a severity disagrees with the source's words, or undefined when it agrees. */
export function severityWordingProblem(severity: Severity, words: SourceWords): string | undefined {
  if (severity === 'critical' && !STRONG.has(words)) return `severity critical, but the source's words are "${words}" (critical is for "contraindicated" or "do not use")`;
  if (STRONG.has(words) && severity !== 'critical') return `the source's words are "${words}", but the severity is ${severity}`;
  return undefined;
}
