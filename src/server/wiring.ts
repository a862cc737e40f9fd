/**
 * Everything the app needs, built from the configuration: the one place main.ts and the tests share, so
 * that tests run the service exactly as it is deployed (real model, real tables, real SQLite file).
 * Every file is read here, at start-up: a broken model directory or table stops the service with its name.
 */
import * as path from 'path';
import { JwtAuthenticator, loadTrustedIssuers } from '../cds/auth';
import type { Logger } from '../cds/logger';
import { createSafetyChecks } from '../cds/safety-checks';
import { CdsStore, loadAuditKey } from '../cds/store';
import { loadManifest } from '../inference/manifest';
import { createScorer, type ScorerOptions } from '../inference/scorer';
import { readPromptTemplates } from '../lamo/templates';
import { loadDrugKnowledge } from '../safety/drugs';
import type { AppDeps } from './app';
import type { ServerConfig } from './config';
import { modelCardMarkdown } from './model-card';

export function buildAppDeps(config: ServerConfig, logger: Logger, scorerOptions: ScorerOptions = {}): AppDeps {
  const { manifest } = loadManifest(config.modelDir);
  const knowledge = loadDrugKnowledge();
  const issuers = config.trustedIssuersFile ? loadTrustedIssuers(config.trustedIssuersFile) : [];
  return {
    options: {
      deadlineMs: config.deadlineMs,
      bodyLimit: config.bodyLimit,
      corsOrigins: config.corsOrigins,
      maxSuggestions: config.maxSuggestions,
      ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
      ...(config.modelCardUrl ? { modelCardUrl: config.modelCardUrl } : {}),
      ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
      smartApp: config.smartApp,
      production: config.nodeEnv === 'production',
    },
    // Loads in worker threads while the server already answers /healthz (and /readyz says 503).
    scorer: createScorer(config.modelDir, { warn: (message) => logger.warn('inference.warning', { message: message.slice(0, 300) }), ...scorerOptions }),
    vocab: knowledge.vocabulary,
    templates: readPromptTemplates(config.modelDir),
    safety: createSafetyChecks(knowledge),
    ...(manifest.expectedDrugsPerVisit !== undefined ? { expectedDrugsPerVisit: manifest.expectedDrugsPerVisit } : {}),
    store: new CdsStore(config.dbPath),
    auditKey: loadAuditKey(config.auditKey, path.join(config.varDir, 'audit.key')),
    authenticator: new JwtAuthenticator({ issuers }),
    logger,
    modelCard: modelCardMarkdown(config.modelDir, manifest),
  };
}
