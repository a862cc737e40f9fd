/**
 * `npm run clinical-check`: the real service (shipped model, real tables, real HTTP on 127.0.0.1) asked about
 * sampled encounters of each shared population (its internal-split TEST patients; every patient of the
 * external synthea-bulk-10), with the measurements of ./measure.ts. Prints JSON and a short table.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { currentOrder } from '../../cds/assessment';
import type { Card } from '../../cds/types';
import { silentLogger } from '../../cds/logger';
import { readJsonFile } from '../../json-file';
import { readPromptTemplates } from '../../lamo/templates';
import { normaliseProductName } from '../../medications/normalise';
import { encounterSetting, loadSuggestionSettings } from '../../medications/suggestion-settings';
import { loadNameTables, loadVocabulary } from '../../medications/vocabulary';
import { DEFAULT_MODEL_DIR, SHARED_DIR } from '../../paths';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { buildAppDeps, cardKnowledge } from '../../server/wiring';
import { loadUnindicatedDrugs } from './injection';
import { MODEL_ONLY_REASONS } from './model-only';
import { ALERT_RULES, measurePopulation, type CdsClient, type CheckKnowledge, type PopulationResult, type Share } from './measure';
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
  const vocabulary = loadVocabulary();
  const tables = loadNameTables();
  const settings = loadSuggestionSettings();
  // The service's own indication knowledge, read only to say why a model-only hit was not suggested (./model-only.ts).
  const cards = cardKnowledge();
  return {
    vocabulary,
    maySuggest: (drug, classCode) => settings.verdict(drug, encounterSetting(classCode)).allowed,
    // The drug's name as the check counts it: what the model would call it, else what the product name says.
    keyOf: (concept) => {
      const covered = vocabulary.normalise(concept);
      if (covered.covered) return covered.candidate;
      const read = normaliseProductName(concept.display, { tables });
      return read.covered ? read.candidate : concept.display.toLowerCase().trim();
    },
    indicated: (drug, conditions) => {
      const profile = cards.drugIndications.profile(cards.describe.ofCandidate(drug));
      return cards.drugIndications.supporting(profile, conditions, (concept) => concept, { reviewedOnly: true }).length > 0;
    },
    current: (order, at) => currentOrder(cards, at)(order),
    unindicated: loadUnindicatedDrugs(),
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
  // A bulk-export patient's whole history as prefetch is larger than a live EHR sends (the default limit is 5 MB).
  // The largest warning budget: cards are counted as the service gives them, before the budget folds any.
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LAMO_VAR_DIR: varDir,
    LAMO_MODEL_DIR: modelDir,
    CDS_TRUSTED_ISSUERS_FILE: '',
    NODE_ENV: 'development',
    CDS_BODY_LIMIT: '100mb',
    CDS_MAX_WARNING_CARDS: '50',
  });
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
        const cases = sampleCases(patients.flatMap((patient) => encounterCases(patient, knowledge.vocabulary, knowledge.keyOf)), maxEncounters, `${seed}:${name}`);
        options.onProgress?.(`${name}: ${patients.length} patients, ${cases.length} encounters`);
        const result = await measurePopulation(name, role, patients.length, cases, client, scorer, knowledge);
        results.push(result);
        // Each population's figures as soon as they exist: a long run cut short still says something.
        options.onProgress?.(`${name}: ${JSON.stringify(result)}`);
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

function share(value: Share): string {
  return `${pct(value.rate)} (${value.count}/${value.of})`;
}

/** The measures as table rows: label, target, and one cell per population. */
export function clinicalCheckRows(report: ClinicalCheckReport): [string, string, ...string[]][] {
  const each = (cell: (r: PopulationResult) => string): string[] => report.populations.map(cell);
  return [
    ['encounters (patients)', '', ...each((r) => `${r.encounters} (${r.patients})`)],
    ['injected drafts of an unindicated drug flagged', '>= 90%', ...each((r) => share(r.injectedUnindicated))],
    ['real orders flagged for no indication (warning)', '<= 10%', ...each((r) => share(r.realOrdersNoIndication))],
    ['real orders with a no-indication info card only', '', ...each((r) => share(r.realOrdersNoIndicationInfo))],
    ['indicated active drugs flagged in review', '<= 2%', ...each((r) => share(r.reviewIndicatedFlagged))],
    ["LOO recall, model's candidates: service", '>= model', ...each((r) => share(r.leaveOneOutService))],
    ["LOO recall, model's candidates: model alone", '', ...each((r) => share(r.leaveOneOutModel))],
    ['LOO recall, every drug: service', '', ...each((r) => share(r.leaveOneOutServiceAllDrugs))],
    [
      'LOO model-only hits: withheld / already active / not indicated / other',
      '',
      ...each((r) => MODEL_ONLY_REASONS.map((reason) => r.leaveOneOutModelOnly[reason]).join(' / ')),
    ],
    ['suggestion precision (this visit or the next)', 'reported', ...each((r) => share(r.suggestionPrecision))],
    ['suggestions naming an indication', '100%', ...each((r) => share(r.suggestionsNamingIndication))],
    ['warning cards per call, p95 (mean)', '<= 2', ...each((r) => `${r.warningCardsPerCall.p95 ?? 'n/a'} (${r.warningCardsPerCall.mean?.toFixed(2) ?? 'n/a'})`)],
    ['real-order calls without the model', '0', ...each((r) => share(r.modelNotRun))],
    ['real orders with any warning or critical card', 'reported', ...each((r) => share(r.alertLoad.anyWarning))],
    ['  of which with a critical card', 'reported', ...each((r) => share(r.alertLoad.anyCritical))],
    ...ALERT_RULES.map((rule): [string, string, ...string[]] => [`  by rule: ${rule}`, '', ...each((r) => share(r.alertLoad.byRule[rule]))]),
  ];
}

/** A short table: one row per measure, one column per population, the targets beside. */
export function formatClinicalCheck(report: ClinicalCheckReport): string {
  const header = ['measure', 'target', ...report.populations.map((r) => `${r.population}${r.role === 'external' ? ' (external)' : ''}`)];
  const rows = clinicalCheckRows(report);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  const reasons = report.populations.flatMap((r) => Object.entries(r.modelNotRun.reasons).map(([reason, n]) => `${r.population}: model not run ${n}x: ${reason}`));
  // The recall the service gives up by design, and what is left unexplained, by drug.
  const named = (drugs: Record<string, number>): string => Object.entries(drugs).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([drug, n]) => `${drug} ${n}`).join(', ');
  const modelOnly = report.populations.flatMap((r) => [
    ...(Object.keys(r.leaveOneOutModelOnly.notIndicatedDrugs).length > 0 ? [`${r.population}: model-only hits the record's conditions do not indicate (not suggested by design): ${named(r.leaveOneOutModelOnly.notIndicatedDrugs)}`] : []),
    ...(Object.keys(r.leaveOneOutModelOnly.otherDrugs).length > 0 ? [`${r.population}: model-only hits not suggested for another reason: ${named(r.leaveOneOutModelOnly.otherDrugs)}`] : []),
  ]);
  const title = `model ${report.model.id} ${report.model.version}; seed ${report.seed}; at most ${report.maxEncounters} encounters per population`;
  return [title, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...reasons, ...modelOnly].join('\n');
}
