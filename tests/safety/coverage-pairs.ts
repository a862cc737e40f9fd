/** The reviewer-readable coverage table (tests/safety/coverage-pairs.json) and how its drugs become orders. */
import { readFileSync } from 'fs';
import * as path from 'path';
import type { Concept } from '../../src/fhir/types';

export interface CoverageDrug {
  display: string;
  /** A real RxNorm code where the catalogue (the shared data, the PDDI-CDS value sets) knows the product. */
  rxnorm?: string;
  indication?: { snomed: string; display: string };
}

export interface CoverageRow {
  active: string;
  draft: string;
  expect: 'critical' | 'warning' | 'info' | 'quiet';
  age?: number;
  source: string;
  why?: string;
}

export interface CoverageTable {
  description: string;
  drugs: Record<string, CoverageDrug>;
  flag: CoverageRow[];
  quiet: CoverageRow[];
}

export const COVERAGE: CoverageTable = JSON.parse(readFileSync(path.join(__dirname, 'coverage-pairs.json'), 'utf8')) as CoverageTable;

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
/** Products without a known RxNorm code travel under a local formulary code with their text, as EHRs send them. */
export const LOCAL_FORMULARY = 'https://ehr.example.org/fhir/CodeSystem/formulary';

export function drugOf(key: string): CoverageDrug {
  const drug = COVERAGE.drugs[key];
  if (!drug) throw new Error(`coverage-pairs.json: unknown drug ${key}`);
  return drug;
}

export function conceptOf(key: string): Concept {
  const drug = drugOf(key);
  const system = drug.rxnorm ? RXNORM : LOCAL_FORMULARY;
  const code = drug.rxnorm ?? `local-${key}`;
  return { system, code, display: drug.display, codings: [{ system, code, display: drug.display }] };
}

export const rowName = (row: CoverageRow): string => `${row.active} + ${row.draft}`;
