/** One suite, both backends: SQLite file and a real PostgreSQL server (tests/support/postgres.ts). */
import { createHash, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MIGRATIONS, PostgresStore, SqliteStore, StoreUnavailableError, type CdsStore } from '../../src/store';
import { StoreReplayMemory } from '../../src/store/replay';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';

let pg: TestPostgres;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-store-'));
let counter = 0;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => {
  pg.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Backend {
  name: string;
  /** A new, empty database; `open` gives a store on it (more than one: replicas). */
  fresh(): Promise<() => CdsStore>;
  /** Raw SQL on the store's database, outside the store (to rebuild an older schema). */
  exec(store: CdsStore, statements: string[]): Promise<void>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    fresh: async () => {
      const file = path.join(dir, `store-${++counter}.sqlite`);
      return () => new SqliteStore(file);
    },
    exec: async (store, statements) => {
      const db = new Database((store as SqliteStore).file);
      for (const statement of statements) db.exec(statement);
      db.close();
    },
  },
  {
    name: 'postgres',
    fresh: async () => {
      const url = await pg.createDatabase(`store_${++counter}`);
      return () => Object.assign(new PostgresStore({ connectionString: url, poolMax: 4, timeoutMs: 2000 }), { testUrl: url });
    },
    exec: async (store, statements) => {
      const client = new Client({ connectionString: (store as PostgresStore & { testUrl: string }).testUrl });
      await client.connect();
      for (const statement of statements) await client.query(statement);
      await client.end();
    },
  },
];

describe.each(backends)('$name store', (backend) => {
  const versions = MIGRATIONS.map((m) => m.version);

  test('migrations: applied once, in order, also when two replicas start at the same moment', async () => {
    const open = await backend.fresh();
    const replicas = [open(), open(), open()];
    await Promise.all(replicas.map((store) => store.migrate()));
    for (const store of replicas) expect(await store.appliedMigrations()).toEqual(versions);
    // A restart finds nothing to do.
    const again = open();
    await again.migrate();
    expect(await again.appliedMigrations()).toEqual(versions);
    await Promise.all([...replicas, again].map((store) => store.close()));
  });

  test('feedback: one per card and outcome, whichever replica it reaches, joined to the card kind', async () => {
    const open = await backend.fresh();
    const [a, b] = [open(), open()];
    const card = randomUUID();
    await a.recordCall({ hookInstance: randomUUID(), serviceId: 's', at: new Date(), status: 200, elapsedMs: 12, cards: [{ uuid: card, kind: 'drug-interaction', indicator: 'critical' }] });
    const accepted = { card, outcome: 'accepted' as const, acceptedSuggestions: [{ id: 'sug-1' }] };
    const overridden = { card, outcome: 'overridden' as const, overrideReason: { reason: { system: 'urn:x', code: 'c1', display: 'C one' }, userComment: 'ok' } };
    const [first, second] = await Promise.all([a.saveFeedback('s', [accepted, overridden], new Date()), b.saveFeedback('s', [accepted, overridden], new Date())]);
    expect(first.stored + second.stored).toBe(2);
    expect(first.duplicates + second.duplicates).toBe(2);
    expect([...first.storedEntries, ...second.storedEntries].every((e) => e.cardKind === 'drug-interaction')).toBe(true);
    const stored = await b.listFeedback('s');
    expect(stored).toHaveLength(2);
    expect(stored.find((f) => f.outcome === 'accepted')?.acceptedSuggestions).toEqual([{ id: 'sug-1' }]);
    expect(stored.find((f) => f.outcome === 'overridden')?.overrideReason).toEqual(overridden.overrideReason);
    expect(await a.listFeedback('other-service')).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  test('audit: one row per call with its cards, from every replica', async () => {
    const open = await backend.fresh();
    const [a, b] = [open(), open()];
    const calls = Array.from({ length: 10 }, (_, i) => ({
      hookInstance: randomUUID(),
      serviceId: 'lamo-order-sign',
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      status: 200,
      elapsedMs: 100 + i,
      modelVersion: '1.0.0',
      knowledgeVersion: `kb-0123456789ab${i % 2 ? '+local-89abcdef' : ''}`,
      patientHash: 'ab'.repeat(32),
      cards: [{ uuid: randomUUID(), kind: 'suggestions' as const, indicator: 'info' as const }],
    }));
    await Promise.all(calls.map((call, i) => (i % 2 ? a : b).recordCall(call)));
    const listed = await a.listCalls();
    expect(listed.map((c) => c.hookInstance).sort()).toEqual(calls.map((c) => c.hookInstance).sort());
    const one = listed.find((c) => c.hookInstance === calls[3]!.hookInstance);
    expect(one).toMatchObject({ serviceId: 'lamo-order-sign', status: 200, elapsedMs: 103, modelVersion: '1.0.0', knowledgeVersion: 'kb-0123456789ab+local-89abcdef', cards: calls[3]!.cards });
    expect(one?.at.toISOString()).toBe(calls[3]!.at.toISOString());
    await Promise.all([a.close(), b.close()]);
  });

  test('migration 3: a database audited before the knowledge version keeps its rows and gains the column', async () => {
    const open = await backend.fresh();
    const old = open();
    await old.migrate();
    // Back to the state of a release with two migrations: the column and its migration row removed.
    await backend.exec(old, ['ALTER TABLE audit_call DROP COLUMN knowledge_version', 'DELETE FROM schema_migrations WHERE version = 3']);
    await old.close();
    const before = open();
    await backend.exec(before, ["INSERT INTO audit_call (hook_instance, service_id, at, status, elapsed_ms) VALUES ('old-call', 's', '2026-01-01T00:00:00.000Z', 200, 5)"]);
    await before.close();
    const upgraded = open();
    await upgraded.migrate();
    expect(await upgraded.appliedMigrations()).toEqual(versions);
    await upgraded.recordCall({ hookInstance: 'new-call', serviceId: 's', at: new Date(), status: 200, elapsedMs: 1, knowledgeVersion: 'kb-aaaaaaaaaaaa', cards: [] });
    const calls = await upgraded.listCalls();
    expect(calls.find((c) => c.hookInstance === 'old-call')?.knowledgeVersion).toBeUndefined();
    expect(calls.find((c) => c.hookInstance === 'new-call')?.knowledgeVersion).toBe('kb-aaaaaaaaaaaa');
    await upgraded.close();
  });

  test('replay memory: a token is new once while it lives, on every replica; expired entries make room', async () => {
    const open = await backend.fresh();
    const [a, b] = [open(), open()];
    const now = Date.now();
    const answers = await Promise.all([a.rememberToken('t1', now + 60_000, now), b.rememberToken('t1', now + 60_000, now)]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await a.rememberToken('t1', now + 60_000, now + 1000)).toBe(false);
    // After expiry the same key may be used again (its token would be refused by exp anyway).
    expect(await b.rememberToken('t1', now + 200_000, now + 120_000)).toBe(true);
    expect(await a.rememberToken('t2', now + 60_000, now)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});

test('postgres: an unreachable database is StoreUnavailableError, and the same store works once it is back', async () => {
  const url = await pg.createDatabase('outage');
  const store = new PostgresStore({ connectionString: url, poolMax: 2, timeoutMs: 1000 });
  await store.migrate();
  pg.stop();
  try {
    await expect(store.recordCall({ hookInstance: 'h', serviceId: 's', at: new Date(), status: 200, elapsedMs: 1, cards: [] })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.saveFeedback('s', [{ card: randomUUID(), outcome: 'accepted', acceptedSuggestions: [] }], new Date())).rejects.toThrow(/database is unavailable/);
  } finally {
    pg.start();
  }
  await store.recordCall({ hookInstance: 'h2', serviceId: 's', at: new Date(), status: 200, elapsedMs: 1, cards: [] });
  expect((await store.listCalls()).map((c) => c.hookInstance)).toEqual(['h2']);
  await store.close();
});

test("JWT replay memory during an outage: this replica's own memory stands in, then the database again", async () => {
  const url = await pg.createDatabase('replay_outage');
  const store = new PostgresStore({ connectionString: url, poolMax: 2, timeoutMs: 1000 });
  const fallbacks: string[] = [];
  const memory = new StoreReplayMemory(store, (error) => fallbacks.push(error.name), 200);
  const now = Date.now();
  expect(await memory.remember('iss\u0000before', now + 600_000, now)).toBe(true);
  pg.stop();
  try {
    // Accepted before the outage: still a replay here. A new token: accepted once.
    expect(await memory.remember('iss\u0000before', now + 600_000, now)).toBe(false);
    expect(await memory.remember('iss\u0000during', now + 600_000, now)).toBe(true);
    expect(await memory.remember('iss\u0000during', now + 600_000, now)).toBe(false);
    expect(fallbacks).toEqual(['StoreUnavailableError']);
  } finally {
    pg.start();
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
  // Back to the shared table: what another replica accepted is refused here.
  await store.rememberToken(createHash('sha256').update('iss\u0000elsewhere').digest('hex'), now + 600_000, now);
  expect(await memory.remember('iss\u0000elsewhere', now + 600_000, now)).toBe(false);
  expect(await memory.remember('iss\u0000after', now + 600_000, now)).toBe(true);
  await store.close();
});
