/**
 * Proposes fhir-mappings/medications.json (and refreshes fhir-mappings/atc.json) from every MedicationRequest
 * drug in the shared Synthea data sets:
 *
 *   npm run build && node dist/scripts/build-medication-map.js
 *
 * Each distinct RxNorm product goes through src/medications/normalise.ts with the reviewed name tables
 * (fhir-mappings/brand-ingredients.json); an ingredient that is not a WHO ATC substance (through
 * atc-review.json's INN synonyms) makes the product "not covered" with a reason instead of a guess. Review
 * changes go into those tables, never into the output by hand, so that the script reproduces the committed map.
 */
import * as path from 'path';
import { loadPatientRecords } from '../src/fhir/load';
import { knownSystem } from '../src/fhir/concepts';
import { normaliseProductName } from '../src/medications/normalise';
import type { Candidate } from '../src/medications/types';
import { loadNameTables, type MedicationMapFile, type ProductMapping } from '../src/medications/vocabulary';
import { FHIR_MAPPINGS_DIR, SHARED_DIR } from '../src/paths';
import { ATC_TABLE_FILE, deriveAtcTable, isKnownIngredient, loadAtcReview, loadWhoAtc, writeJson } from './build-atc-table';

/** The three training populations only: the vocabulary is what the model can learn, and synthea-bulk-10 is the
 * external test population (a drug only it orders is an honest miss, or a renewal reachable through history). */
const DATASETS = ['synthea-r4-615', 'synthea-stu3-1461', 'synthea-qicore-177'];
/** A display carried by fewer of a code's orders than this is outvoted by the code's majority display. */
const MINORITY_SHARE = 0.2;

interface SeenProduct {
  /** Display → number of orders that carried it (the data sometimes pairs a code with another product's text). */
  displays: Map<string, number>;
  orders: number;
  datasets: Set<string>;
}

async function collectProducts(): Promise<{ products: Map<string, SeenProduct>; withoutCode: number }> {
  const products = new Map<string, SeenProduct>();
  let withoutCode = 0;
  for (const dataset of DATASETS) {
    const { records, summary } = await loadPatientRecords(path.join(SHARED_DIR, 'data', dataset));
    const errors = summary.issues.filter((issue) => issue.severity === 'error');
    if (errors.length > 0) throw new Error(`${dataset}: ${errors.length} load errors, first: ${errors[0].message}`);
    for (const order of records.flatMap((record) => record.medications)) {
      const rxnorm = order.concept.codings.filter((coding) => coding.code && knownSystem(coding.system) === 'rxnorm');
      if (rxnorm.length === 0) withoutCode += 1;
      for (const coding of rxnorm) {
        const code = String(coding.code).trim();
        const seen = products.get(code) ?? { displays: new Map<string, number>(), orders: 0, datasets: new Set<string>() };
        const display = coding.display?.trim() || order.concept.display;
        seen.displays.set(display, (seen.displays.get(display) ?? 0) + 1);
        seen.orders += 1;
        seen.datasets.add(dataset);
        products.set(code, seen);
      }
    }
    process.stdout.write(`${dataset}: ${records.length} patients, products so far ${products.size}\n`);
  }
  return { products, withoutCode };
}

function byCode(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

async function main(): Promise<void> {
  const tables = loadNameTables();
  const who = loadWhoAtc();
  const review = loadAtcReview();
  const known = (ingredient: string) => isKnownIngredient(ingredient, who, review);
  const { products: seen, withoutCode } = await collectProducts();

  const problems: string[] = [];
  const notes: string[] = [];
  const products: Record<string, ProductMapping> = {};
  const rxnormByCandidate = new Map<string, string[]>();
  for (const code of [...seen.keys()].sort(byCode)) {
    const product = seen.get(code)!;
    // The displays the data used for this code must agree (populations spell some products differently). The
    // code decides: a display carried by under MINORITY_SHARE of the code's orders that names another drug is a
    // data error (stu3-1461 pairs the Humulin 70/30 code with "Insulin Lispro … [Humalog]" 4 times in 27),
    // reported and outvoted; any larger disagreement is a problem to review.
    const displays = [...product.displays.entries()].sort((a, b) => b[1] - a[1]);
    const results = displays.map(([display]) => normaliseProductName(display, { tables, isKnownIngredient: known }));
    const first = results[0];
    const firstName = first.covered ? first.candidate : null;
    displays.forEach(([display, count], i) => {
      const result = results[i];
      if ((result.covered ? result.candidate : null) === firstName) return;
      if (count / product.orders < MINORITY_SHARE) notes.push(`RxNorm ${code}: "${display}" (${count} of ${product.orders} orders) outvoted by "${displays[0][0]}"`);
      else problems.push(`RxNorm ${code}: its displays normalise differently (${displays.map(([d]) => d).join(' | ')})`);
    });
    if (first.covered) {
      products[code] = { display: displays[0][0], candidate: first.candidate };
      rxnormByCandidate.set(first.candidate, [...(rxnormByCandidate.get(first.candidate) ?? []), code]);
    } else {
      products[code] = { display: displays[0][0], candidate: null, reason: first.reason };
    }
  }

  if (notes.length > 0) process.stdout.write(`${notes.map((note) => `note: ${note}`).join('\n')}\n`);
  const { table, problems: atcProblems } = deriveAtcTable([...rxnormByCandidate.keys()], who, review);
  problems.push(...atcProblems);
  if (problems.length > 0) {
    process.stderr.write(`${problems.map((problem) => `problem: ${problem}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }

  const candidateList: Candidate[] = [...rxnormByCandidate.keys()].sort().map((name) => {
    const candidate: Candidate = { name, rxnorm: rxnormByCandidate.get(name)!.sort(byCode) };
    const atc = table.candidates[name]?.atc;
    if (atc) candidate.atc = atc;
    return candidate;
  });
  const datasetCounts = DATASETS.map((dataset) => `${dataset} (${[...seen.values()].filter((p) => p.datasets.has(dataset)).length} products)`);
  const map: MedicationMapFile = {
    source:
      `Distinct RxNorm products of the MedicationRequests in ../shared/data/${datasetCounts.join(' and ../shared/data/')}; ` +
      'candidates proposed by scripts/build-medication-map.ts (src/medications/normalise.ts) and reviewed through ' +
      'fhir-mappings/brand-ingredients.json and fhir-mappings/atc-review.json. ATC: see fhir-mappings/atc.json.',
    candidates: candidateList,
    products,
  };
  writeJson(path.join(FHIR_MAPPINGS_DIR, 'medications.json'), map);
  writeJson(ATC_TABLE_FILE, table);
  const notCovered = Object.values(products).filter((product) => product.candidate === null).length;
  process.stdout.write(
    `medications.json: ${Object.keys(products).length} products → ${candidateList.length} candidates ` +
      `(${candidateList.filter((c) => c.atc).length} with an ATC code), ${notCovered} not covered; ` +
      `${withoutCode} orders without an RxNorm code\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`build-medication-map: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
