/**
 * The paper's validation designs. `internal`: by patient, 8:1:1 train/val/test from a seeded hash, so a
 * patient's encounters never straddle splits. `temporal`: test = encounters after a cut-off date chosen so
 * that about 20% fall after it; validation = the 10% just before the cut-off; train = the rest.
 */
import { createHash } from 'crypto';

export type SplitName = 'internal' | 'temporal';
export type Part = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['internal', 'temporal'];

export interface Dated {
  patientId: string;
  date: string;
}

/** Uniform in [0, 1), stable for a (seed, key) pair. */
export function seededUnit(seed: string, key: string): number {
  const digest = createHash('sha256').update(`${seed}:${key}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
}

export function internalPart(patientId: string, seed = 'lamo-internal-1'): Part {
  const u = seededUnit(seed, patientId);
  return u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test';
}

/** The date d such that ≈ `testShare` of items are strictly after d (ties stay on one side). */
export function cutoffDate(dates: string[], testShare: number): string {
  const sorted = [...dates].sort();
  if (sorted.length === 0) return '';
  const index = Math.min(sorted.length - 1, Math.max(0, Math.floor(sorted.length * (1 - testShare)) - 1));
  return sorted[index];
}

export interface TemporalCutoffs {
  /** Items dated after this are test. */
  test: string;
  /** Items dated after this (and not test) are validation. */
  val: string;
}

export function temporalCutoffs(dates: string[]): TemporalCutoffs {
  return { test: cutoffDate(dates, 0.2), val: cutoffDate(dates, 0.3) };
}

export function temporalPart(date: string, cutoffs: TemporalCutoffs): Part {
  return date > cutoffs.test ? 'test' : date > cutoffs.val ? 'val' : 'train';
}

/** Assigns every item its part in both designs. Deterministic: depends only on ids and dates. */
export function assignSplits<T extends Dated>(items: T[]): { parts: Map<T, Record<SplitName, Part>>; cutoffs: TemporalCutoffs } {
  const cutoffs = temporalCutoffs(items.map((item) => item.date));
  const parts = new Map<T, Record<SplitName, Part>>();
  for (const item of items) {
    parts.set(item, { internal: internalPart(item.patientId), temporal: temporalPart(item.date, cutoffs) });
  }
  return { parts, cutoffs };
}
