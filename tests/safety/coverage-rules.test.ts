/**
 * The coverage table against the interaction check itself (fast; the service-level test is
 * tests/safety/coverage.test.ts): every flag row found with its severity, no quiet row alarmed, and the table's
 * own promise that at least a third of the flag rows reach a drug only through its class.
 */
import type { MedicationOrder } from '../../src/fhir/types';
import { defaultInteractionIndex, sideGroups } from '../../src/safety/interaction-table';
import { findInteractions } from '../../src/safety/interactions';
import { drugFromOrder } from '../../src/safety/drugs';
import type { SafetyDrug } from '../../src/safety/types';
import { conceptOf, COVERAGE, rowName, type CoverageRow } from './coverage-pairs';
import { knowledge } from './helpers';

function order(key: string, source: 'draft' | 'active'): SafetyDrug {
  const medication: MedicationOrder = {
    id: `${source}-${key}`,
    concept: conceptOf(key),
    status: source === 'draft' ? 'draft' : 'active',
    reasonConditionIds: [],
    reasonConcepts: [],
    resource: { resourceType: 'MedicationRequest', id: `${source}-${key}`, status: 'active', intent: 'order', subject: { reference: 'Patient/p' } },
  };
  return drugFromOrder(medication, source, knowledge);
}

function severityOf(row: CoverageRow): string {
  const findings = findInteractions([order(row.active, 'active'), order(row.draft, 'draft')], { age: row.age ?? 55, conditions: [] });
  return findings[0]?.severity ?? 'quiet';
}

test('the table is as large as the issue asks: 100+ flag rows, 50+ quiet rows, each with a source', () => {
  expect(COVERAGE.flag.length).toBeGreaterThanOrEqual(100);
  expect(COVERAGE.quiet.length).toBeGreaterThanOrEqual(50);
  for (const row of [...COVERAGE.flag, ...COVERAGE.quiet]) expect(row.source.length).toBeGreaterThan(10);
});

test('every drug of the table resolves through the catalogue to known ingredients with a class', () => {
  const unresolved = Object.keys(COVERAGE.drugs).filter((key) => {
    const drug = order(key, 'draft');
    return !drug.known || drug.atc.length === 0;
  });
  expect(unresolved).toEqual([]);
});

test('every flag row is found with its expected severity; no quiet row gets a warning or critical finding', () => {
  const wrong = COVERAGE.flag.map((row) => ({ row: rowName(row), expected: row.expect, got: severityOf(row) })).filter((r) => r.expected !== r.got);
  const alarmed = COVERAGE.quiet.map((row) => ({ row: rowName(row), got: severityOf(row) })).filter((r) => r.got === 'warning' || r.got === 'critical');
  expect({ wrong, alarmed }).toEqual({ wrong: [], alarmed: [] });
});

test('at least a third of the flag rows reach a drug only through its class (no rule names it by ingredient)', () => {
  const index = defaultInteractionIndex();
  const named = new Set<string>();
  for (const rule of index.table.interactions) {
    for (const side of [rule.a, rule.b, ...(rule.third ? [{ group: rule.third.group }] : [])]) {
      if ('ingredients' in side) side.ingredients.forEach((i) => named.add(i));
      for (const group of sideGroups(side) ?? []) index.table.groups[group].ingredients.forEach((i) => named.add(i));
    }
  }
  const classOnly = COVERAGE.flag.filter((row) => [row.active, row.draft].some((key) => order(key, 'draft').ingredients.every((i) => !named.has(i))));
  expect(classOnly.length / COVERAGE.flag.length).toBeGreaterThanOrEqual(1 / 3);
});
