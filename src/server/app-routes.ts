/**
 * The SMART app under /app/: its static files (built from app/ into dist/app by `npm ci`), its public
 * configuration, and the assessment endpoint it posts the patient's FHIR data to.
 *
 *   GET  /app/launch.html, /app/index.html, /app/*.js|css   the app (EHR and standalone launch)
 *   GET  /app/config.json                                    client id and scopes (public: no secret exists)
 *   POST /app/api/assessment                                 resources → the assessment the hooks compute
 *
 * The endpoint answers same-origin calls only (the app's own page), stores and logs no PHI, and fetches no
 * clinical data. With LAMO_APP_FHIR_SERVERS set it requires the SMART access token of the launch and checks
 * it: by token introspection where the launch's `iss` offers it (the token must be for the patient asked
 * about), else by reading the Patient with it (src/cds/smart-token.ts says why).
 */
import * as fs from 'fs';
import * as path from 'path';
import express, { type Request, type Response } from 'express';
import { assessForApp, readAppRequest } from '../cds/app-assessment';
import type { CardSourceInfo } from '../cds/cards/card';
import type { Logger } from '../cds/logger';
import { HttpProblem } from '../cds/operation-outcome';
import type { CallDeps } from '../cds/call';
import { SmartTokenVerifier } from '../cds/smart-token';
import { PROJECT_ROOT } from '../paths';
import type { SmartAppConfig } from './config';

/** Where `npm run build` puts the bundled app. */
export const APP_DIST_DIR = path.join(PROJECT_ROOT, 'dist', 'app');

/** EHR launch asks for `launch`; standalone launch for `launch/patient` (the app picks one: app/src/launch.ts). */
export const APP_SCOPES = 'openid fhirUser patient/*.read';

const APP_MIN_DEADLINE_MS = 10_000;

export interface AppRouteDeps {
  config: SmartAppConfig;
  production: boolean;
  pipeline: CallDeps;
  deadlineMs: number;
  bodyLimit: string;
  source: (req: Request) => CardSourceInfo;
  baseUrl: (req: Request) => string;
  logger: Logger;
}

function securityHeaders(res: Response, connect: string): void {
  res.set(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      "script-src 'self'",
      // vega-embed and vega-tooltip add <style> elements at run time; no script can be injected that way.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src ${connect}`,
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ].join('; '),
  );
  res.set('Referrer-Policy', 'no-referrer');
}

export function appRoutes(deps: AppRouteDeps): express.Router {
  const router = express.Router();
  const verifier = new SmartTokenVerifier({
    fhirServers: deps.config.fhirServers,
    ...(deps.config.introspectionClient ? { introspectionClient: deps.config.introspectionClient } : {}),
  });
  // The app talks to its own origin, the FHIR server and its authorization server (known only from the
  // server's SMART configuration, so any https origin; plain http only outside production, for local EHR sandboxes).
  const connect = ["'self'", 'https:', ...(deps.production ? [] : ['http:'])].join(' ');
  if (!fs.existsSync(path.join(APP_DIST_DIR, 'index.html'))) {
    deps.logger.warn('app.not_built', { reason: 'dist/app is missing: run npm run build' });
  }

  router.get('/config.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ clientId: deps.config.clientId, scope: APP_SCOPES });
  });
  router.use((_req, res, next) => {
    securityHeaders(res, connect);
    next();
  });
  router.use(express.static(APP_DIST_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));

  const json = express.json({ limit: deps.bodyLimit, type: ['application/json'], strict: true });
  router.post('/api/assessment', json, async (req, res) => {
    // A cross-origin page must not use the service as a scoring oracle with a user's data.
    res.removeHeader('Access-Control-Allow-Origin');
    const origin = req.get('origin');
    const sameOrigin = origin !== undefined ? origin === new URL(deps.baseUrl(req)).origin : req.get('sec-fetch-site') === 'same-origin';
    if (!sameOrigin) {
      throw new HttpProblem(403, [{ code: 'forbidden', diagnostics: 'the assessment endpoint answers the LAMO app on its own origin only' }]);
    }
    const input = readAppRequest(req.body);
    if (verifier.enabled) {
      const check = await verifier.verify(req.get('authorization'), req.get('x-fhir-server'), input.patientId);
      if (!check.ok) {
        deps.logger.warn('app.auth_rejected', { reason: check.reason });
        res.status(401).set('WWW-Authenticate', 'Bearer').end();
        return;
      }
    } else if (deps.production) {
      throw new HttpProblem(403, [{ code: 'forbidden', diagnostics: 'the assessment endpoint needs LAMO_APP_FHIR_SERVERS in production' }]);
    }
    // Not inside an order workflow: a slow machine may take longer than a hook's deadline, never forever.
    const { audit: _notAHookCall, ...pipeline } = deps.pipeline;
    const assessment = await assessForApp(input, pipeline, { source: deps.source(req), deadlineMs: Math.max(deps.deadlineMs, APP_MIN_DEADLINE_MS) });
    res.set('Cache-Control', 'no-store').json(assessment);
  });
  return router;
}
