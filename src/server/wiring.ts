/**
 * Everything the app needs, built from the configuration: the one place main.ts and the tests share, so
 * that tests run the service exactly as it is deployed (real model, real tables, real SQLite file).
 * Every file is read here, at start-up: a broken model directory or table stops the service with its name.
 */
import * as path from 'path';
import { JwtAuthenticator, loadTrustedIssuers } from '../cds/auth';
import type { CardKnowledge } from '../cds/assessment';
import type { Logger } from '../cds/logger';
import { createSafetyChecks, loadSafetyTables, safetyRuleIds, type SafetyTables } from '../cds/safety-checks';
import { loadManifest } from '../inference/manifest';
import { createScorer, type ScorerOptions } from '../inference/scorer';
import { readPromptTemplates } from '../lamo/templates';
import { loadHighRiskDrugs } from '../medications/high-risk';
import { drugKeyer } from '../lamo/medication-history';
import { loadCourseDrugs } from '../medications/courses';
import { describerFrom } from '../medications/describe-drug';
import { loadDrugIndications } from '../medications/drug-indications';
import { loadIndications } from '../medications/indications';
import { loadDrugKnowledge, type DrugKnowledge } from '../safety/drugs';
import { knowledgeVersion } from '../safety/knowledge-version';
import { checkOverrideIds, LocalOverrides, OverridesError } from '../safety/overrides';
import { loadAuditKey, openStore } from '../store';
import { StoreReplayMemory } from '../store/replay';
import type { AppDeps } from './app';
import { ConfigError, type ServerConfig } from './config';
import { ServiceMetrics } from './metrics';
import { modelCardMarkdown } from './model-card';

/** The clinical knowledge the cards read, from the shipped tables. */
export function cardKnowledge(knowledge: DrugKnowledge = loadDrugKnowledge()): CardKnowledge {
  const indications = loadIndications();
  return {
    indications,
    highRisk: loadHighRiskDrugs(undefined, knowledge.atc),
    drugIndications: loadDrugIndications(indications.groups, indications),
    describe: describerFrom(knowledge),
    drugKey: drugKeyer(knowledge.vocabulary, knowledge.nameTables),
    courses: loadCourseDrugs(),
  };
}

/** The hospital's overrides, every id checked against the loaded tables: a typo stops the start (exit 2). */
function localOverrides(config: ServerConfig, tables: SafetyTables, knowledge: DrugKnowledge): LocalOverrides {
  const loaded = config.knowledgeOverrides;
  if (!loaded) return new LocalOverrides();
  const drugs = new Set([...knowledge.vocabulary.candidates.map((candidate) => candidate.name), ...Object.keys(tables.settings.file.drugs)]);
  try {
    checkOverrideIds(loaded.overrides, safetyRuleIds(tables), drugs, loaded.file);
  } catch (error) {
    if (error instanceof OverridesError) throw new ConfigError(`LAMO_KNOWLEDGE_OVERRIDES: ${error.message}`);
    throw error;
  }
  return new LocalOverrides(loaded.overrides);
}

export function buildAppDeps(config: ServerConfig, logger: Logger, scorerOptions: ScorerOptions = {}): AppDeps {
  const { manifest } = loadManifest(config.modelDir);
  const knowledge = loadDrugKnowledge();
  const tables = loadSafetyTables();
  const overrides = localOverrides(config, tables, knowledge);
  const version = knowledgeVersion(config.knowledgeOverrides ? { file: config.knowledgeOverrides.file, text: config.knowledgeOverrides.text } : undefined);
  const issuers = config.trustedIssuersFile ? loadTrustedIssuers(config.trustedIssuersFile) : [];
  const metrics = new ServiceMetrics();
  const store = openStore(config, (error) => {
    metrics.storeErrors.inc({ operation: 'connection' });
    logger.warn('store.connection_lost', { error: error.message.slice(0, 200) });
  });
  // Tables are created (or migrated) now, in the background: a database that is down at start only delays it.
  store.migrate().catch((error: Error) => logger.error('store.migration_failed', { backend: store.backend, error: error.message.slice(0, 300) }));
  const replay = new StoreReplayMemory(store, (error) => {
    metrics.storeErrors.inc({ operation: 'replay' });
    logger.warn('auth.replay_memory_local', { error: error.message.slice(0, 200) });
  });
  return {
    options: {
      deadlineMs: config.deadlineMs,
      bodyLimit: config.bodyLimit,
      corsOrigins: config.corsOrigins,
      maxSuggestions: config.maxSuggestions,
      maxWarningCards: config.maxWarningCards,
      ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
      ...(config.modelCardUrl ? { modelCardUrl: config.modelCardUrl } : {}),
      ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
      smartApp: config.smartApp,
      production: config.nodeEnv === 'production',
    },
    // Loads in worker threads while the server already answers /healthz (and /readyz says 503).
    scorer: createScorer(config.modelDir, {
      threads: config.inferenceThreads,
      queueMax: config.queueMax,
      executionProvider: config.executionProvider,
      warn: (message) => logger.warn('inference.warning', { message: message.slice(0, 300) }),
      ...scorerOptions,
    }),
    vocab: knowledge.vocabulary,
    templates: readPromptTemplates(config.modelDir),
    safety: createSafetyChecks(knowledge, tables, overrides),
    knowledgeVersion: version,
    overrides: overrides.overrides,
    knowledge: cardKnowledge(knowledge),
    ...(manifest.expectedDrugsPerVisit !== undefined ? { expectedDrugsPerVisit: manifest.expectedDrugsPerVisit } : {}),
    store,
    metrics,
    auditKey: loadAuditKey(config.auditKey, path.join(config.varDir, 'audit.key')),
    authenticator: new JwtAuthenticator({ issuers, replay }),
    logger,
    modelCard: modelCardMarkdown(config.modelDir, manifest),
  };
}
