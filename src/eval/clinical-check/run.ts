/**
 * `npm run clinical-check`: the real service (shipped model, real tables, real HTTP on 127.0.0.1) asked about
 * sampled encounters of each shared population (its internal-split TEST patients; every patient of the
 * external synthea-bulk-10), with the measurements of ./measure.ts. Prints JSON and a short table.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type { Card } from '../../cds/types';
import { silentLogger } from '../../cds/logger';
import { readJsonFile } from '../../json-file';
import { readPromptTemplates } from '../../lamo/templates';
import { loadHighRiskDrugs } from '../../medications/high-risk';
import { loadIndications } from '../../medications/indications';
import { DEFAULT_MEDICATIONS_FILE, validateMedicationMap } from '../../medications/vocabulary';
import { DEFAULT_MODEL_DIR, SHARED_DIR } from '../../paths';
import { loadContraindications } from '../../safety/contraindications';
import { loadDrugKnowledge } from '../../safety/drugs';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { buildAppDeps } from '../../server/wiring';
import { measurePopulation, type CdsClient, type CheckKnowledge, type PopulationResult } from './measure';
import { loadPopulation } from './population';
import { encounterCases, sampleCases } from './scenarios';

export const POPULATIONS: { name: string; role: PopulationResult['role'] }[] = [
  { name: 'synthea-r4-615', role: 'training' },
  { name: 'synthea-stu3-1461', role: 'training' },
  { name: 'synthea-qicore-177', role: 'training' },
  { name: 'synthea-bulk-10', role: 'external' },
];

export interface ClinicalCheckOptions {
  populations?: string[];
  /** Most encounters per population (seeded sample, at most 3 per patient). */
  maxEncounters?: number;
  /** Read at most this many patients per population (small runs). */
  maxPatients?: number;
  seed?: string;
  dataDir?: string;
  modelDir?: string;
  onProgress?: (message: string) => void;
}

export interface ClinicalCheckReport {
  model: { id: string; version: string; threshold: number };
  seed: string;
  maxEncounters: number;
  populations: PopulationResult[];
}

export function loadCheckKnowledge(modelDir: string): CheckKnowledge {
  const drugs = loadDrugKnowledge();
  const map = validateMedicationMap(readJsonFile(DEFAULT_MEDICATIONS_FILE, 'medication map'), DEFAULT_MEDICATIONS_FILE);
  const products = new Map<string, { rxnorm: string; display: string }>();
  for (const [rxnorm, product] of Object.entries(map.products).sort(([a], [b]) => a.localeCompare(b))) {
    if (product.candidate && !products.has(product.candidate)) products.set(product.candidate, { rxnorm, display: product.display });
  }
  return {
    vocabulary: drugs.vocabulary,
    drugs,
    indications: loadIndications(),
    contraindications: loadContraindications(),
    highRisk: loadHighRiskDrugs(),
    products,
    templates: readPromptTemplates(modelDir),
  };
}

/** Runs the check against the real service started in this process; always stops it. */
export async function runClinicalCheck(options: ClinicalCheckOptions = {}): Promise<ClinicalCheckReport> {
  const seed = options.seed ?? 'clinical-check-1';
  const maxEncounters = options.maxEncounters ?? 150;
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const dataDir = options.dataDir ?? path.join(SHARED_DIR, 'data');
  const varDir = mkdtempSync(path.join(tmpdir(), 'lamo-clinical-check-'));
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LAMO_VAR_DIR: varDir, LAMO_MODEL_DIR: modelDir, CDS_TRUSTED_ISSUERS_FILE: '', NODE_ENV: 'development' });
  const deps = buildAppDeps({ ...config, deadlineMs: Math.max(config.deadlineMs, 30_000) }, silentLogger);
  const cds = createApp(deps);
  try {
    const scorer = await cds.ready;
    const server = await cds.listen(0, '127.0.0.1');
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const client: CdsClient = {
      async call(serviceId, body) {
        const send = () => fetch(`${base}/cds-services/${serviceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        // A keep-alive connection the server closed at its idle timeout fails once; a second failure is real.
        const response = await send().catch((error: Error) => {
          options.onProgress?.(`${serviceId}: ${error.message} (${String((error as Error & { cause?: unknown }).cause)}), retrying once`);
          return send();
        });
        const answer = (await response.json()) as { cards?: Card[] };
        if (!response.ok) throw new Error(`${serviceId}: HTTP ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
        return answer.cards ?? [];
      },
    };
    const knowledge = loadCheckKnowledge(modelDir);
    const results: PopulationResult[] = [];
    try {
      for (const { name, role } of POPULATIONS.filter((p) => !options.populations || options.populations.includes(p.name))) {
        options.onProgress?.(`${name}: loading`);
        const patients = loadPopulation(path.join(dataDir, name), { testOnly: role === 'training', maxPatients: options.maxPatients });
        const cases = sampleCases(patients.flatMap((patient) => encounterCases(patient, knowledge.vocabulary)), maxEncounters, `${seed}:${name}`);
        options.onProgress?.(`${name}: ${patients.length} patients, ${cases.length} encounters`);
        results.push(await measurePopulation(name, role, patients.length, cases, client, scorer, knowledge));
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    return { model: { id: scorer.modelId, version: scorer.modelVersion, threshold: scorer.threshold }, seed, maxEncounters, populations: results };
  } finally {
    await cds.close();
    await deps.store.close();
    rmSync(varDir, { recursive: true, force: true });
  }
}

function pct(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

/** A short table: one row per population, the targets in the header. */
export function formatClinicalCheck(report: ClinicalCheckReport): string {
  const header = ['population', 'enc', 'unsupported real (<=10%)', 'review, active reason (<=2%)', 'injected flagged (>=80%)', 'LOO recall service / model', 'suggestions w/ indication (100%)', 'warnings/call p95 (<=2)'];
  const rows = report.populations.map((r) => [
    `${r.population}${r.role === 'external' ? ' (external)' : ''}`,
    String(r.encounters),
    `${pct(r.unsupportedRealOrders.rate)} (${r.unsupportedRealOrders.count}/${r.unsupportedRealOrders.of})`,
    `${pct(r.reviewFlaggedWithActiveReason.rate)} (${r.reviewFlaggedWithActiveReason.count}/${r.reviewFlaggedWithActiveReason.of})`,
    `${pct(r.injectedFlagged.rate)} (${r.injectedFlagged.count}/${r.injectedFlagged.of})`,
    `${pct(r.leaveOneOutRecall.rate)} / ${pct(r.modelAloneRecall.rate)}`,
    `${pct(r.suggestionsNamingIndication.rate)} (${r.suggestionsNamingIndication.count}/${r.suggestionsNamingIndication.of})`,
    r.warningCardsPerCall.p95 === null ? 'n/a' : String(r.warningCardsPerCall.p95),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
