/**
 * Shared set-up of the CDS service tests: the real app (real model, tables, SQLite file) on a local port,
 * and (re-exported from tests/support) CDS Hooks requests built from the shared Synthea patients.
 */
import * as fs from 'fs';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { silentLogger, type Logger } from '../../src/cds/logger';
import type { Card } from '../../src/cds/types';
import type { ScorerOptions } from '../../src/inference/scorer';
import { createApp, type CdsApp } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { buildAppDeps } from '../../src/server/wiring';
import { TEST_MODEL_DIR } from '../inference/helpers';

export { TEST_MODEL_DIR };

export * from '../support/cds-requests';

export interface RunningApp {
  url: string;
  cds: CdsApp;
  varDir: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  scorer?: ScorerOptions;
  /** Wait for the model before answering (default); false to see the service while it loads or fails. */
  awaitReady?: boolean;
}

/** The real app, on 127.0.0.1 and a free port, with its own var/ folder (or the one given). */
export async function startApp(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningApp> {
  const varDir = env.LAMO_VAR_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-test-'));
  const config = loadConfig({ LAMO_MODEL_DIR: TEST_MODEL_DIR, LAMO_VAR_DIR: varDir, ...env });
  const deps = buildAppDeps(config, options.logger ?? silentLogger, { threads: 1, ...options.scorer });
  const cds = createApp(deps);
  if (options.awaitReady !== false) await cds.ready;
  const server: Server = await cds.listen(0, '127.0.0.1');
  // The test client shares this process: a slow call (busy machine) can hold the event loop past the
  // 5 s keep-alive timeout, and the client may then reuse a socket the server is closing (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cds,
    varDir,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await cds.close();
      await deps.store.close();
      // A folder this helper made is removed; one the test passed in (restart tests) is the test's.
      if (env.LAMO_VAR_DIR === undefined) fs.rmSync(varDir, { recursive: true, force: true });
    },
  };
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = unknown>(url: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export type CardsResponse = JsonResponse<{ cards: Card[] }>;

/** Every invariant a card of this service must meet (CDS Hooks 2.0 and the project's own rules). */
export function expectWellFormedCard(card: Card): void {
  expect(card.uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(card.summary.length).toBeGreaterThan(0);
  expect(card.summary.length).toBeLessThan(140);
  expect(['info', 'warning', 'critical']).toContain(card.indicator);
  expect(card.source.label.length).toBeGreaterThan(0);
  expect(card.source.url).toMatch(/^https?:\/\/.+\/model-card$/);
  expect(card.source.topic?.code).toMatch(/^[A-Za-z0-9]+$/);
  expect(typeof card.detail).toBe('string');
  if (card.indicator !== 'info') {
    expect(card.overrideReasons?.length).toBeGreaterThan(0);
    for (const reason of card.overrideReasons ?? []) expect(reason.display?.length).toBeGreaterThan(0);
  }
  if (card.suggestions) {
    expect(card.selectionBehavior).toBe('any');
    for (const suggestion of card.suggestions) {
      expect(suggestion.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(suggestion.actions?.length).toBe(1);
    }
  }
}
