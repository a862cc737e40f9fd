/**
 * Severity says what the source says (issue 15.5, K3): every drug-disease rule and every interaction rule of the
 * shipped knowledge is critical exactly when its words are "contraindicated" or "do not use"; "avoid", "not
 * recommended" and "use with caution" are never critical at base (a patient factor the source names may raise an
 * interaction). The loaders and the interaction build refuse a rule that breaks it; this test reads the shipped
 * files as a reviewer would, and shows the check fails on a rule that disagrees.
 */
import { readFileSync } from 'fs';
import { checkKnowledge, loadInteractionKnowledge } from '../../scripts/interaction-knowledge';
import { loadDrugCatalogue } from '../../src/medications/drug-catalogue';
import { loadConditionGroups } from '../../src/medications/condition-groups';
import { DEFAULT_CONTRAINDICATIONS_FILE, validateContraindications, type ContraindicationsFile } from '../../src/safety/contraindications';
import { DEFAULT_INTERACTIONS_FILE, type InteractionTable } from '../../src/safety/interaction-table';
import { adviceSaysStrength, severityWordingProblem, wordsOfAction } from '../../src/safety/severity-wording';

const contraindications = JSON.parse(readFileSync(DEFAULT_CONTRAINDICATIONS_FILE, 'utf8')) as ContraindicationsFile;
const interactions = JSON.parse(readFileSync(DEFAULT_INTERACTIONS_FILE, 'utf8')) as InteractionTable;

test('every drug-disease rule: critical exactly when the source says "contraindicated" or "do not use", and its advice begins with those words', () => {
  const problems = contraindications.rules.flatMap((rule) => [
    ...[severityWordingProblem(rule.severity, rule.strength)].filter((p) => p !== undefined).map((p) => `${rule.id}: ${p}`),
    ...(adviceSaysStrength(rule.strength, rule.advice) ? [] : [`${rule.id}: advice "${rule.advice}" is not worded "${rule.strength}"`]),
  ]);
  expect(problems).toEqual([]);
});

test('every interaction rule: critical at base exactly when its action begins "Contraindicated" / "Do not"', () => {
  const problems = interactions.interactions
    .map((rule) => ({ rule, problem: severityWordingProblem(rule.severity, wordsOfAction(rule.action ?? '')) }))
    .filter(({ problem }) => problem !== undefined)
    .map(({ rule, problem }) => `${rule.id}: ${problem}`);
  expect(problems).toEqual([]);
  // The calibration a clinician asked for, as the table now has it.
  const byId = new Map(interactions.interactions.map((rule) => [rule.id, rule]));
  expect(byId.get('simva-lova-strong-cyp3a4')?.severity).toBe('critical');
  expect(byId.get('amiodarone-sofosbuvir')).toMatchObject({ severity: 'warning', action: expect.stringMatching(/^Not recommended/) });
  expect(byId.get('maob-contraindicated')).toMatchObject({ severity: 'critical', action: expect.stringMatching(/^Contraindicated/) });
  expect(byId.get('maob-serotonergic')).toMatchObject({ severity: 'warning', action: expect.stringMatching(/^Avoid/) });
});

test('the rules named in the issue: an opioid with opioid abuse is a warning ("avoid"), metformin below eGFR 30 stays critical', () => {
  const byId = new Map(contraindications.rules.map((rule) => [rule.id, rule]));
  expect(byId.get('opioids-overdose-or-use-disorder')).toMatchObject({ severity: 'warning', strength: 'avoid' });
  expect(byId.get('metformin-severe-ckd')).toMatchObject({ severity: 'critical', strength: 'contraindicated' });
  expect(byId.get('acei-pregnancy')).toMatchObject({ severity: 'critical', strength: 'do-not-use', advice: expect.stringMatching(/^do not use in pregnancy/) });
});

describe('the check itself', () => {
  test('reads the strength from the action first words', () => {
    expect(wordsOfAction('Contraindicated: do not combine.')).toBe('contraindicated');
    expect(wordsOfAction('Do not combine within 14 days.')).toBe('do-not-use');
    expect(wordsOfAction('Avoid; if needed, check the lithium level.')).toBe('avoid');
    expect(wordsOfAction('Not recommended: avoid.')).toBe('avoid');
    expect(wordsOfAction('Monitor potassium.')).toBe('adjust-or-monitor');
  });

  test('fails on a rule whose severity and words disagree', () => {
    expect(severityWordingProblem('critical', 'avoid')).toMatch(/critical is for "contraindicated" or "do not use"/);
    expect(severityWordingProblem('warning', 'contraindicated')).toMatch(/severity is warning/);
    expect(severityWordingProblem('critical', 'contraindicated')).toBeUndefined();
    expect(severityWordingProblem('warning', 'avoid')).toBeUndefined();
  });

  test('the contraindication loader refuses an "avoid" rule shown as critical, and advice worded against its strength', () => {
    const groups = loadConditionGroups();
    const rule = contraindications.rules.find((r) => r.id === 'nsaids-heart-failure');
    const withRule = (changed: object): unknown => ({ ...contraindications, rules: [{ ...rule, ...changed }] });
    expect(() => validateContraindications(withRule({ severity: 'critical' }), groups)).toThrow(/nsaids-heart-failure: severity critical, but the source's words are "avoid"/);
    expect(() => validateContraindications(withRule({ advice: 'use with caution' }), groups)).toThrow(/does not begin with the words of its strength \(avoid\)/);
    expect(() => validateContraindications(withRule({}), groups)).not.toThrow();
  });
});

test('the interaction build refuses an "avoid" rule made critical (scripts/interaction-knowledge.ts)', () => {
  const knowledge = loadInteractionKnowledge();
  const catalogue = loadDrugCatalogue();
  const groups = loadConditionGroups();
  expect(checkKnowledge(knowledge, catalogue, groups)).toEqual([]);
  const changed = { ...knowledge, rules: knowledge.rules.map((rule) => (rule.id === 'lithium-nsaid' ? { ...rule, severity: 'critical' as const } : rule)) };
  expect(checkKnowledge(changed, catalogue, groups)).toEqual([expect.stringMatching(/^rule lithium-nsaid: severity critical, but the source's words are "avoid"/)]);
});
