/**
 * The reviewed list of high-risk chronic drugs (fhir-mappings/high-risk-drugs.json): classes by ATC prefix
 * (anticoagulants, antiarrhythmics, antiepileptics, insulin, immunosuppressants, ...) whose interruption can
 * harm. The service never advises against them on model grounds: at most it asks to confirm the indication.
 */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { loadAtcTable, underAtcPrefix, type AtcTable } from './atc';

export const DEFAULT_HIGH_RISK_FILE = path.join(FHIR_MAPPINGS_DIR, 'high-risk-drugs.json');

export interface HighRiskClass {
  id: string;
  label: string;
  /** ATC codes or prefixes of the class (B01AA: vitamin K antagonists). */
  atcPrefixes: string[];
  /** Why stopping or questioning it without review can harm. */
  rationale: string;
  /** Source identifiers (keys of the file's `sources`). */
  sources: string[];
  review: string;
}

export interface HighRiskFile {
  description: string;
  sources: Record<string, string>;
  classes: HighRiskClass[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateHighRisk(value: unknown, file = 'high-risk-drugs.json'): HighRiskFile {
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.classes)) throw new Error(`${file}: expected { description, sources, classes }`);
  const sources = value.sources;
  for (const entry of value.classes as unknown[]) {
    if (!isRecord(entry) || typeof entry.id !== 'string' || typeof entry.label !== 'string' || !Array.isArray(entry.atcPrefixes) || entry.atcPrefixes.length === 0) {
      throw new Error(`${file}: every class needs id, label and atcPrefixes`);
    }
    if (!Array.isArray(entry.sources) || entry.sources.length === 0 || !entry.sources.every((id) => typeof id === 'string' && id in sources)) {
      throw new Error(`${file}: class ${entry.id} must cite sources listed in "sources"`);
    }
  }
  return value as unknown as HighRiskFile;
}

/** The ATC codes that classify a candidate for this list: its own code and each ingredient's (a combination
 * with insulin is high-risk whatever its own code). */
function codesOf(atc: AtcTable, candidate: string): string[] {
  const entry = atc.candidates[candidate];
  if (!entry) return [];
  return [...new Set([...(entry.atc ? [entry.atc] : []), ...Object.values(entry.ingredients).filter((code): code is string => Boolean(code))])];
}

export class HighRiskDrugs {
  constructor(
    readonly table: HighRiskFile,
    private readonly atc: AtcTable,
  ) {}

  /** The high-risk class the candidate belongs to, if any (first listed wins). */
  classOf(candidate: string): HighRiskClass | undefined {
    return this.classOfCodes(codesOf(this.atc, candidate));
  }

  /** The same for any drug by its ATC codes (a drug outside the candidates). */
  classOfCodes(codes: readonly string[]): HighRiskClass | undefined {
    return this.table.classes.find((entry) => underAtcPrefix(codes, entry.atcPrefixes));
  }

  isHighRiskChronic(candidate: string): boolean {
    return this.classOf(candidate) !== undefined;
  }
}

export function loadHighRiskDrugs(file = DEFAULT_HIGH_RISK_FILE, atc: AtcTable = loadAtcTable()): HighRiskDrugs {
  return new HighRiskDrugs(validateHighRisk(readJsonFile(file, 'high-risk drug list'), file), atc);
}
