/**
 * The HTTP face of the service: an express app built from its dependencies (scorer, store, configuration …),
 * so that tests build it with the real model and main.ts with the shipped one.
 *
 *   GET  /cds-services                discovery (open: static metadata, no PHI; see README.md)
 *   POST /cds-services/{id}           a hook call → {"cards": [...]}
 *   POST /cds-services/{id}/feedback  feedback, stored durably and idempotently
 *   GET  /healthz, /readyz            process up; model loaded
 *   GET  /model-card                  the model card every card links to
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
import { PipelineProgress, runService, type PipelineDeps } from '../cds/pipeline';
import { patientHash, type CdsStore } from '../cds/store';
import type { DiscoveryService, IssuedCard, ServiceDefinition } from '../cds/types';
import { validateFeedback, validateServiceRequest } from '../cds/validate';
import type { Scorer } from '../inference/types';
import { appRoutes } from './app-routes';
import type { SmartAppConfig } from './config';

export interface AppOptions {
  deadlineMs: number;
  bodyLimit: string;
  corsOrigins: readonly string[];
  publicBaseUrl?: string;
  modelCardUrl?: string;
  maxSuggestions: number;
  trustProxy?: string;
  /** The SMART app (/app/) and the cards' links to it; absent: neither. */
  smartApp?: SmartAppConfig;
  production?: boolean;
}

export interface AppDeps extends Omit<PipelineDeps, 'scorer' | 'logger' | 'maxSuggestions'> {
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
}

const SOURCE_LABEL = 'LAMO medication recommender';
/** Past the deadline the pipeline has already been told to stop; this much more, then answer regardless. */
const DEADLINE_GRACE_MS = 100;

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
  /** Stops the scorer; the store is the caller's to close. */
  close(): Promise<void>;
  listen(port: number, host?: string): Promise<Server>;
}

export function createApp(deps: AppDeps): CdsApp {
  const { options, logger, store } = deps;
  const services = deps.services ?? SERVICES;
  const byId = new Map(services.map((service) => [service.id, service]));
  let scorer: Scorer | undefined;
  let loadFailed = false;
  const ready = Promise.resolve(deps.scorer);
  ready.then(
    (loaded) => {
      scorer = loaded;
      logger.info('model.ready', { model: loaded.modelId, version: loaded.modelVersion, candidates: loaded.candidates.length });
    },
    (error: Error) => {
      loadFailed = true;
      logger.error('model.load_failed', { error: error.message.slice(0, 500) });
    },
  );
  const pipelineDeps: PipelineDeps = {
    scorer: () =>
      scorer ??
      (loadFailed
        ? { unavailable: 'The model could not be loaded (see the service log); only the safety checks ran.' }
        : { unavailable: 'The model is still loading; try again in a moment.' }),
    vocab: deps.vocab,
    templates: deps.templates,
    safety: deps.safety,
    expectedDrugsPerVisit: deps.expectedDrugsPerVisit,
    logger,
    maxSuggestions: options.maxSuggestions,
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
  });

  // ---- request log and CORS (before anything can answer) ----
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info('http.request', {
        method: req.method,
        // The route's path only: service ids, never query strings.
        path: req.path.slice(0, 120),
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
        hookInstance: res.locals.hookInstance as string | undefined,
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
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    if (scorer) res.json({ status: 'ready', model: scorer.modelId, version: scorer.modelVersion });
    else res.status(503).json({ status: loadFailed ? 'model failed to load' : 'loading' });
  });
  app.get('/model-card', (_req, res) => {
    res.type('text/markdown; charset=utf-8').send(deps.modelCard);
  });
  app.get('/cds-services', (_req, res) => {
    const discovery: DiscoveryService[] = services.map(({ mode: _mode, ...service }) => service);
    res.json({ services: discovery });
  });

  // ---- authenticated endpoints: the JWT is checked before the body is even read ----
  const authenticate = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!authenticating || !deps.authenticator) return next();
    const calledUrl = `${baseUrl(req)}${req.originalUrl.split('?')[0]}`;
    const result = await deps.authenticator.verify(req.get('authorization'), calledUrl);
    if (result.ok) return next();
    logger.warn('auth.rejected', { path: req.path.slice(0, 120), reason: result.reason });
    res.status(401).set('WWW-Authenticate', 'Bearer').end();
  };
  const json = express.json({ limit: options.bodyLimit, type: ['application/json', 'application/*+json'], strict: true });
  const knownService = (req: Request, res: Response, next: NextFunction): void => {
    if (byId.has(String(req.params.id))) return next();
    sendProblem(res, new HttpProblem(404, [{ code: 'not-found', diagnostics: `no CDS service "${String(req.params.id).slice(0, 100)}"; GET /cds-services lists them` }]));
  };

  app.post('/cds-services/:id/feedback', authenticate, knownService, json, (req, res) => {
    const service = byId.get(String(req.params.id)) as ServiceDefinition;
    const entries = validateFeedback(req.body);
    const { stored, duplicates } = store.saveFeedback(service.id, entries, new Date());
    logger.info('cds.feedback', { service: service.id, stored, duplicates });
    res.json({ stored, duplicates });
  });

  app.post('/cds-services/:id', authenticate, knownService, json, async (req, res) => {
    const service = byId.get(String(req.params.id)) as ServiceDefinition;
    const request = validateServiceRequest(req.body, service);
    res.locals.hookInstance = request.hookInstance.slice(0, 64);
    const started = Date.now();
    const source = cardSource(req);
    const progress = new PipelineProgress();
    const signal = AbortSignal.timeout(options.deadlineMs);
    const run = runService(service, request, pipelineDeps, progress, source, { signal, deadlineMs: options.deadlineMs });

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), options.deadlineMs + DEADLINE_GRACE_MS);
    });
    let finished: 'done' | 'deadline';
    try {
      finished = await Promise.race([run.then(() => 'done' as const), deadline]);
    } catch (error) {
      if (error instanceof HttpProblem) {
        recordCall(service, request.hookInstance, progress, [], error.status, started, 'precondition-failed');
        throw error;
      }
      logger.error('cds.pipeline_failed', { service: service.id, hookInstance: request.hookInstance.slice(0, 64), error: (error as Error).message.slice(0, 300) });
      progress.addGap('The service failed while assessing this request (the error is logged).');
      finished = 'done';
    } finally {
      clearTimeout(timer);
    }
    if (finished === 'deadline') {
      // The pipeline keeps running in the background until its AbortSignal stops it; its failure is not news.
      run.catch(() => undefined);
      if (progress.model.length === 0) progress.addGap(`The model did not finish within the ${options.deadlineMs} ms deadline.`);
    }
    const cards = progress.cards(source);
    recordCall(service, request.hookInstance, progress, cards, 200, started, finished === 'deadline' ? 'deadline' : undefined);
    res.set('Cache-Control', 'no-store').json({ cards: cards.map((issued) => issued.card) });
  });

  function recordCall(
    service: ServiceDefinition,
    hookInstance: string,
    progress: PipelineProgress,
    cards: IssuedCard[],
    status: number,
    started: number,
    note: string | undefined,
  ): void {
    try {
      store.recordCall({
        hookInstance,
        serviceId: service.id,
        at: new Date(started),
        status,
        elapsedMs: Date.now() - started,
        ...(progress.modelVersion ? { modelVersion: progress.modelVersion } : {}),
        ...(progress.patientId ? { patientHash: patientHash(deps.auditKey, progress.patientId) } : {}),
        ...(note || progress.gaps.length > 0 ? { note: note ?? 'model-unavailable' } : {}),
        cards: cards.map(({ kind, card }) => ({ uuid: card.uuid, kind, indicator: card.indicator })),
      });
    } catch (error) {
      // The answer matters more than its audit row; the failure is loud in the log.
      logger.error('audit.write_failed', { service: service.id, error: (error as Error).message.slice(0, 200) });
    }
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
    close: async () => {
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
