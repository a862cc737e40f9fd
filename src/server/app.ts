/**
 * The HTTP face of the service: an express app built from its dependencies (scorer, store, configuration …),
 * so that tests build it with the real model and main.ts with the shipped one.
 *
 *   GET  /cds-services                discovery (open: static metadata, no PHI; see README.md)
 *   POST /cds-services/{id}           a hook call → {"cards": [...]}
 *   POST /cds-services/{id}/feedback  feedback, stored durably and idempotently
 *   GET  /healthz, /readyz            process up; model loaded and not shutting down
 *   GET  /metrics                     Prometheus metrics (src/server/metrics.ts)
 *   GET  /model-card                  the model card every card links to
 *   GET  /knowledge                   the knowledge version in force and the hospital's local overrides (open, no PHI)
 *
 * Client errors get a 4xx with an OperationOutcome that says what is wrong; authentication failures a bare 401.
 */
import type { Server } from 'http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SERVICES } from '../../hooks';
import type { JwtAuthenticator } from '../cds/auth';
import type { CardSourceInfo } from '../cds/cards/card';
import type { Logger } from '../cds/logger';
import { HttpProblem, operationOutcome } from '../cds/operation-outcome';
import { runService, type CallAudit, type CallDeps } from '../cds/call';
import type { PipelineDeps } from '../cds/pipeline';
import type { DiscoveryService, ServiceDefinition } from '../cds/types';
import { validateFeedback, validateServiceRequest } from '../cds/validate';
import type { Scorer } from '../inference/types';
import type { KnowledgeVersion } from '../safety/knowledge-version';
import type { KnowledgeOverrides } from '../safety/overrides';
import { appRoutes } from './app-routes';
import { knowledgeView } from './knowledge-view';
import type { SmartAppConfig } from './config';
import { patientHash, type CdsStore } from '../store';
import { jwtReasonLabel, ServiceMetrics } from './metrics';

export interface AppOptions {
  deadlineMs: number;
  bodyLimit: string;
  corsOrigins: readonly string[];
  publicBaseUrl?: string;
  modelCardUrl?: string;
  maxSuggestions: number;
  maxWarningCards: number;
  trustProxy?: string;
  /** The SMART app (/app/) and the cards' links to it; absent: neither. */
  smartApp?: SmartAppConfig;
  production?: boolean;
}

export interface AppDeps extends Omit<PipelineDeps, 'scorer' | 'logger' | 'maxSuggestions' | 'maxWarningCards'> {
  options: AppOptions;
  /** The scorer, or its loading: until it resolves, /readyz says 503 and calls get safety cards only. */
  scorer: Scorer | Promise<Scorer>;
  store: CdsStore;
  auditKey: Buffer;
  /** Absent or without issuers: calls are not authenticated (main.ts refuses that in production). */
  authenticator?: JwtAuthenticator;
  logger: Logger;
  modelCard: string;
  services?: readonly ServiceDefinition[];
  /** Shared with the store's callbacks (wiring.ts); a fresh registry when absent. */
  metrics?: ServiceMetrics;
  /** The knowledge version in force (every card's detail and audit row name it). */
  knowledgeVersion?: KnowledgeVersion;
  /** The hospital's local overrides, listed at GET /knowledge so that nothing is switched off unseen. */
  overrides?: KnowledgeOverrides;
}

const SOURCE_LABEL = 'LAMO medication recommender';
/** What a client should wait before posting feedback again while the database is unavailable. */
const FEEDBACK_RETRY_AFTER_S = 5;
const ENDPOINTS = new Set(['healthz', 'readyz', 'metrics', 'model-card', 'knowledge']);

function sendProblem(res: Response, problem: HttpProblem): void {
  res.status(problem.status).type('application/fhir+json').json(problem.outcome);
}

/** body-parser errors (malformed JSON, too large, bad charset) as 4xx OperationOutcomes. */
function bodyProblem(error: unknown): HttpProblem | undefined {
  const e = error as { type?: string; status?: number; message?: string };
  if (typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  const diagnostics =
    e.type === 'entity.parse.failed'
      ? `the request body is not valid JSON: ${(e.message ?? '').slice(0, 200)}`
      : e.type === 'entity.too.large'
        ? 'the request body is larger than this service accepts'
        : `the request body could not be read (${e.type ?? 'error'})`;
  return new HttpProblem(e.status, [{ code: e.status === 413 ? 'too-costly' : 'structure', diagnostics }]);
}

export interface CdsApp {
  app: express.Express;
  /** Resolves once the scorer is loaded (rejects when it fails to). */
  ready: Promise<Scorer>;
  metrics: ServiceMetrics;
  /** Shutdown has begun: /readyz answers 503 and every answer closes its connection. Calls are still served. */
  drain(): void;
  /** Waits for pending audit writes, then stops the scorer; the store is the caller's to close. */
  close(): Promise<void>;
  listen(port: number, host?: string): Promise<Server>;
}

export function createApp(deps: AppDeps): CdsApp {
  const { options, logger, store } = deps;
  const metrics = deps.metrics ?? new ServiceMetrics();
  const services = deps.services ?? SERVICES;
  const byId = new Map(services.map((service) => [service.id, service]));
  let scorer: Scorer | undefined;
  let loadFailed = false;
  let draining = false;
  /** Audit writes not yet finished: close() waits for them. */
  const pendingWrites = new Set<Promise<void>>();
  const ready = Promise.resolve(deps.scorer);
  ready.then(
    (loaded) => {
      scorer = metrics.instrument(loaded);
      const pool = loaded as Scorer & { queued?: number };
      if (typeof pool.queued === 'number') metrics.watchQueue(() => pool.queued ?? 0);
      logger.info('model.ready', { model: loaded.modelId, version: loaded.modelVersion, candidates: loaded.candidates.length });
    },
    (error: Error) => {
      loadFailed = true;
      logger.error('model.load_failed', { error: error.message.slice(0, 500) });
    },
  );
  const pipelineDeps: CallDeps = {
    scorer: () =>
      scorer ??
      (loadFailed
        ? { unavailable: 'The model could not be loaded (see the service log); only the safety checks ran.' }
        : { unavailable: 'The model is still loading; try again in a moment.' }),
    vocab: deps.vocab,
    templates: deps.templates,
    safety: deps.safety,
    knowledge: deps.knowledge,
    ...(deps.expectedDrugsPerVisit !== undefined ? { expectedDrugsPerVisit: deps.expectedDrugsPerVisit } : {}),
    logger,
    maxSuggestions: options.maxSuggestions,
    maxWarningCards: options.maxWarningCards,
    audit: recordCall,
    observer: {
      fhirFallback: ({ failures }) => {
        metrics.fhirFallbackCalls.inc();
        metrics.fhirFallbackFailures.inc(failures);
      },
    },
  };
  const authenticating = deps.authenticator?.enabled === true;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.trustProxy) app.set('trust proxy', /^\d+$/.test(options.trustProxy) ? Number(options.trustProxy) : options.trustProxy);

  const baseUrl = (req: Request): string => options.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  const cardSource = (req: Request): CardSourceInfo => ({
    label: SOURCE_LABEL,
    modelCardUrl: options.modelCardUrl ?? `${baseUrl(req)}/model-card`,
    ...(options.smartApp?.links ? { appLaunchUrl: `${baseUrl(req)}/app/launch.html` } : {}),
    ...(deps.knowledgeVersion ? { knowledgeVersion: deps.knowledgeVersion.version } : {}),
  });

  /** The metrics label of a request: a known service id (":feedback" for its feedback), an endpoint, or "other". */
  const routeLabel = (path: string): string => {
    const match = /^\/cds-services(?:\/([^/]+)(\/feedback)?)?\/?$/.exec(path);
    if (match) {
      if (match[1] === undefined) return 'discovery';
      return byId.has(match[1]) ? `${match[1]}${match[2] ? ':feedback' : ''}` : 'unknown-service';
    }
    const endpoint = path.replace(/^\//, '');
    return ENDPOINTS.has(endpoint) ? endpoint : 'other';
  };

  // ---- request log, metrics and CORS (before anything can answer) ----
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    // Once shutdown has begun, no connection is kept for a next request that could meet a closed socket.
    if (draining) res.set('Connection', 'close');
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requestDuration.observe({ service: routeLabel(req.path), status: String(res.statusCode) }, seconds);
      logger.info('http.request', {
        method: req.method,
        // The route's path only: service ids, never query strings.
        path: req.path.slice(0, 120),
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        reqId: res.locals.hookInstance as string | undefined,
      });
    });
    const origin = req.get('origin');
    const anyOrigin = options.corsOrigins.includes('*');
    if (origin && (anyOrigin || options.corsOrigins.includes(origin))) {
      res.set('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
      if (!anyOrigin) res.vary('Origin');
    }
    res.set('X-Content-Type-Options', 'nosniff');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.set('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  });

  // ---- open endpoints ----
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...(deps.knowledgeVersion ? { knowledgeVersion: deps.knowledgeVersion.version } : {}) });
  });
  // Which knowledge judges the calls, and every local change (src/server/knowledge-view.ts).
  app.get('/knowledge', (_req, res) => {
    res.json(knowledgeView(deps.knowledgeVersion, deps.overrides));
  });
  app.get('/readyz', (_req, res) => {
    if (draining) res.status(503).json({ status: 'shutting down' });
    else if (scorer) res.json({ status: 'ready', model: scorer.modelId, version: scorer.modelVersion });
    else res.status(503).json({ status: loadFailed ? 'model failed to load' : 'loading' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/model-card', (_req, res) => {
    res.type('text/markdown; charset=utf-8').send(deps.modelCard);
  });
  app.get('/cds-services', (_req, res) => {
    const discovery: DiscoveryService[] = services.map(({ id, hook, title, description, prefetch }) => ({ id, hook, title, description, prefetch }));
    res.json({ services: discovery });
  });

  // ---- authenticated endpoints: the JWT is checked before the body is even read ----
  const authenticate = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!authenticating || !deps.authenticator) return next();
    const calledUrl = `${baseUrl(req)}${req.originalUrl.split('?')[0]}`;
    const result = await deps.authenticator.verify(req.get('authorization'), calledUrl);
    if (result.ok) return next();
    metrics.jwtRejections.inc({ reason: jwtReasonLabel(result.reason) });
    logger.warn('auth.rejected', { path: req.path.slice(0, 120), reason: result.reason });
    res.status(401).set('WWW-Authenticate', 'Bearer').end();
  };
  const json = express.json({ limit: options.bodyLimit, type: ['application/json', 'application/*+json'], strict: true });
  const knownService = (req: Request, res: Response, next: NextFunction): void => {
    if (byId.has(String(req.params.id))) return next();
    sendProblem(res, new HttpProblem(404, [{ code: 'not-found', diagnostics: `no CDS service "${String(req.params.id).slice(0, 100)}"; GET /cds-services lists them` }]));
  };

  app.post('/cds-services/:id/feedback', authenticate, knownService, json, async (req, res) => {
    const service = byId.get(String(req.params.id)) as ServiceDefinition;
    const entries = validateFeedback(req.body);
    let result;
    try {
      result = await store.saveFeedback(service.id, entries, new Date());
    } catch (error) {
      // 200 only once the feedback is durable; otherwise the client keeps it and posts again.
      metrics.storeErrors.inc({ operation: 'feedback' });
      logger.error('cds.feedback_unavailable', { service: service.id, error: (error as Error).message.slice(0, 300) });
      res.set('Retry-After', String(FEEDBACK_RETRY_AFTER_S));
      sendProblem(res, new HttpProblem(503, [{ code: 'transient', diagnostics: 'feedback cannot be stored right now; post it again later' }]));
      return;
    }
    metrics.countFeedback(service.id, result.storedEntries);
    logger.info('cds.feedback', { service: service.id, stored: result.stored, duplicates: result.duplicates });
    res.json({ stored: result.stored, duplicates: result.duplicates });
  });

  app.post('/cds-services/:id', authenticate, knownService, json, async (req, res) => {
    const service = byId.get(String(req.params.id)) as ServiceDefinition;
    const request = validateServiceRequest(req.body, service);
    res.locals.hookInstance = request.hookInstance.slice(0, 64);
    const callDeps: CallDeps = { ...pipelineDeps, logger: logger.child({ reqId: request.hookInstance.slice(0, 64) }) };
    const result = await runService(service, request, callDeps, { deadlineMs: options.deadlineMs, source: cardSource(req) });
    metrics.countCards(service.id, result.cards);
    metrics.modelOutcomes.inc({ service: service.id, outcome: result.modelOutcome });
    res.set('Cache-Control', 'no-store').json({ cards: result.cards.map((issued) => issued.card) });
  });

  /** The audit of a call (runService decides what; this stores it): never blocks the answer, never throws. */
  function recordCall(entry: CallAudit): void {
    const { patientId, cards, ...rest } = entry;
    const write = store
      .recordCall({
        ...rest,
        ...(patientId ? { patientHash: patientHash(deps.auditKey, patientId) } : {}),
        cards: cards.map(({ kind, card }) => ({ uuid: card.uuid, kind, indicator: card.indicator })),
      })
      .catch((error: Error) => {
        // The answer matters more than its audit row: the loss is counted and loud in the log.
        metrics.auditLost.inc();
        metrics.storeErrors.inc({ operation: 'audit' });
        logger.error('audit.lost', { service: entry.serviceId, reqId: entry.hookInstance.slice(0, 64), error: error.message.slice(0, 200) });
      })
      .finally(() => pendingWrites.delete(write));
    pendingWrites.add(write);
  }

  if (options.smartApp) app.use('/app', appRoutes({ config: options.smartApp, production: options.production === true, pipeline: pipelineDeps, deadlineMs: options.deadlineMs, bodyLimit: options.bodyLimit, source: cardSource, baseUrl, logger }));

  app.all('/cds-services/:id', (req, res) => {
    res.set('Allow', 'POST');
    sendProblem(res, new HttpProblem(405, [{ code: 'not-supported', diagnostics: `${req.method} is not supported here; POST a CDS Hooks request` }]));
  });
  app.use((req, res) => {
    sendProblem(res, new HttpProblem(404, [{ code: 'not-found', diagnostics: `nothing at ${req.method} ${req.path.slice(0, 100)}` }]));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = error instanceof HttpProblem ? error : bodyProblem(error);
    if (problem) {
      sendProblem(res, problem);
      return;
    }
    logger.error('http.unhandled', { path: req.path.slice(0, 120), error: (error as Error)?.message?.slice(0, 300) ?? 'unknown' });
    res.status(500).type('application/fhir+json').json(operationOutcome([{ code: 'exception', diagnostics: 'internal error (logged)' }]));
  });

  return {
    app,
    ready,
    metrics,
    drain: () => {
      draining = true;
    },
    close: async () => {
      await Promise.all([...pendingWrites]);
      const loaded = await ready.catch(() => undefined);
      await loaded?.close();
    },
    listen: (port, host) =>
      new Promise<Server>((resolve, reject) => {
        const server = app.listen(port, host ?? '0.0.0.0', (error?: Error) => (error ? reject(error) : resolve(server)));
        server.on('error', reject);
      }),
  };
}
