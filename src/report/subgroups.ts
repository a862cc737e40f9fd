/** Metrics by age band, sex and population, each with its bootstrap interval, and where a subgroup falls behind. */
import { bootstrapMethods, type BootstrapOptions } from './bootstrap';
import type { MethodOutcomes, MethodSummary, Subgroup, SubgroupWarning } from './types';

export const AGE_BANDS: { name: string; from: number; to: number }[] = [
  { name: '0–17', from: 0, to: 17 },
  { name: '18–44', from: 18, to: 44 },
  { name: '45–64', from: 45, to: 64 },
  { name: '65–79', from: 65, to: 79 },
  { name: '80+', from: 80, to: Infinity },
];

/** A subgroup this large that is this much below the whole gets a warning line. */
export const WARNING_MIN_VISITS = 30;
export const WARNING_JACCARD_GAP = 0.05;

export function ageBand(age: number | undefined): string {
  if (age === undefined) return 'unknown';
  return AGE_BANDS.find((band) => age >= band.from && age <= band.to)?.name ?? 'unknown';
}

function groupBy(indices: number[], keyOf: (i: number) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const i of indices) {
    const key = keyOf(i);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return groups;
}

export function subgroups(methods: MethodOutcomes[], values: number[][][], options: BootstrapOptions): Subgroup[] {
  if (methods.length === 0) return [];
  const visits = methods[0].visits;
  const all = visits.map((_, i) => i);
  const dimensions: [Subgroup['dimension'], (i: number) => string, string[]][] = [
    ['age band', (i) => ageBand(visits[i].age), [...AGE_BANDS.map((b) => b.name), 'unknown']],
    ['sex', (i) => visits[i].sex ?? 'unknown', []],
    ['population', (i) => visits[i].population, []],
  ];
  const out: Subgroup[] = [];
  for (const [dimension, keyOf, order] of dimensions) {
    const groups = groupBy(all, keyOf);
    const names = [...groups.keys()].sort((a, b) => (order.length ? order.indexOf(a) - order.indexOf(b) : a.localeCompare(b)));
    for (const name of names) {
      const subset = groups.get(name) as number[];
      const { summaries } = bootstrapMethods(methods, values, subset, options);
      out.push({ dimension, name, visits: subset.length, patients: summaries[0]?.patients ?? 0, methods: summaries });
    }
  }
  return out;
}

export function subgroupWarnings(groups: Subgroup[], overall: MethodSummary[]): SubgroupWarning[] {
  const whole = new Map(overall.map((s) => [s.method, s.jaccard.value]));
  const warnings: SubgroupWarning[] = [];
  for (const group of groups) {
    if (group.visits < WARNING_MIN_VISITS) continue;
    for (const summary of group.methods) {
      const reference = whole.get(summary.method) as number;
      const gap = reference - summary.jaccard.value;
      if (gap <= WARNING_JACCARD_GAP) continue;
      warnings.push({
        method: summary.method,
        dimension: group.dimension,
        name: group.name,
        visits: group.visits,
        jaccard: summary.jaccard.value,
        overall: reference,
        text:
          `${summary.method}: ${group.dimension} ${group.name} (${group.visits} visits, ${group.patients} patient${group.patients === 1 ? '' : 's'}) has Jaccard ` +
          `${summary.jaccard.value.toFixed(3)} [${summary.jaccard.ci[0].toFixed(3)}, ${summary.jaccard.ci[1].toFixed(3)}], ` +
          `${gap.toFixed(3)} below the whole (${reference.toFixed(3)}).`,
      });
    }
  }
  return warnings;
}
