/**
 * The shared backend: PostgreSQL through `pg`, for several replicas on one database (DATABASE_URL).
 * The pool connects lazily and times out fast, so that a database outage costs a hook call nothing but its
 * audit row (counted) and makes feedback answer 503; once the server is back the next query simply works.
 */
import { Pool, type PoolClient } from 'pg';
import type { CardKind, FeedbackEntry } from '../cds/types';
import { MIGRATIONS, MIGRATIONS_TABLE_SQL } from './migrations';
import { FEEDBACK_COLUMNS, feedbackValues, feedbackFromRow, LIST_FEEDBACK_SQL, auditRecordFromRow, type AuditCallRow, type FeedbackRow } from './rows';
import { StoreUnavailableError, type AuditRecord, type CdsStore, type FeedbackResult, type StoredFeedback } from './types';

/** Any 64-bit constant shared by every replica: the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 4_242_012_611;
const SWEEP_EVERY = 1000;

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections per replica. */
  poolMax: number;
  /** How long to wait for a connection, and for a statement. */
  timeoutMs: number;
  /** Idle connections that fail (server restarted) are reported here; the pool replaces them. */
  onPoolError?: (error: Error) => void;
}

export class PostgresStore implements CdsStore {
  readonly backend = 'postgres' as const;
  private readonly pool: Pool;
  private migrating?: Promise<void>;
  private sinceSweep = 0;

  constructor(options: PostgresStoreOptions) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolMax,
      connectionTimeoutMillis: options.timeoutMs,
      query_timeout: options.timeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'lamo-cds',
    });
    // Without a listener, an idle connection dropped by the server would crash the process.
    this.pool.on('error', (error) => options.onPoolError?.(error));
  }

  /** Runs `work` on one connection; every failure to reach or use the database becomes StoreUnavailableError. */
  private async withClient<T>(operation: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(operation, error);
    }
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      // A connection-level failure poisons the client: do not return it to the pool.
      broken = !(error as { code?: string }).code || /^(08|57P)/.test((error as { code?: string }).code ?? '');
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(operation, error);
    } finally {
      client.release(broken);
    }
  }

  private async transaction<T>(operation: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(operation, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Memoised while it succeeds; a failed attempt (database down at start) is retried by the next call. */
  migrate(): Promise<void> {
    if (!this.migrating) {
      this.migrating = this.transaction('migrate', async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(MIGRATIONS_TABLE_SQL);
        const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await client.query(migration.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            new Date().toISOString(),
          ]);
        }
      });
      this.migrating.catch(() => (this.migrating = undefined));
    }
    return this.migrating;
  }

  async appliedMigrations(): Promise<number[]> {
    await this.migrate();
    return this.withClient('migrations', async (client) =>
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version),
    );
  }

  async saveFeedback(serviceId: string, entries: readonly FeedbackEntry[], receivedAt: Date): Promise<FeedbackResult> {
    await this.migrate();
    const storedEntries = await this.transaction('feedback', async (client) => {
      const stored: FeedbackResult['storedEntries'] = [];
      for (const entry of entries) {
        const inserted = await client.query(
          `INSERT INTO feedback (${FEEDBACK_COLUMNS.join(', ')}) VALUES (${FEEDBACK_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
           ON CONFLICT (id) DO NOTHING`,
          feedbackValues(serviceId, entry, receivedAt),
        );
        if (inserted.rowCount === 0) continue;
        const kind = (await client.query<{ kind: CardKind }>('SELECT kind FROM audit_card WHERE card_uuid = $1', [entry.card])).rows[0]?.kind;
        stored.push({ entry, ...(kind ? { cardKind: kind } : {}) });
      }
      return stored;
    });
    return { stored: storedEntries.length, duplicates: entries.length - storedEntries.length, storedEntries };
  }

  async listFeedback(serviceId?: string): Promise<StoredFeedback[]> {
    await this.migrate();
    return this.withClient('feedback', async (client) => {
      const { rows } = await client.query<FeedbackRow>(LIST_FEEDBACK_SQL(serviceId ? 'WHERE f.service_id = $1' : ''), serviceId ? [serviceId] : []);
      return rows.map(feedbackFromRow);
    });
  }

  async recordCall(record: AuditRecord): Promise<void> {
    await this.migrate();
    await this.transaction('audit', async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO audit_call (hook_instance, service_id, at, status, elapsed_ms, model_version, knowledge_version, patient_hash, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          record.hookInstance,
          record.serviceId,
          record.at.toISOString(),
          record.status,
          Math.round(record.elapsedMs),
          record.modelVersion ?? null,
          record.knowledgeVersion ?? null,
          record.patientHash ?? null,
          record.note ?? null,
        ],
      );
      for (const card of record.cards) {
        await client.query('INSERT INTO audit_card (card_uuid, call_id, kind, indicator) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
          card.uuid,
          rows[0]!.id,
          card.kind,
          card.indicator,
        ]);
      }
    });
  }

  async listCalls(): Promise<AuditRecord[]> {
    await this.migrate();
    interface Row extends AuditCallRow {
      id: string;
    }
    return this.withClient('audit', async (client) => {
      const calls = (await client.query<Row>('SELECT * FROM audit_call ORDER BY id')).rows;
      const cards = (await client.query<AuditRecord['cards'][number] & { call_id: string }>(
        'SELECT card_uuid AS uuid, kind, indicator, call_id FROM audit_card ORDER BY call_id',
      )).rows;
      const byCall = new Map<string, AuditRecord['cards']>();
      for (const { call_id, ...card } of cards) byCall.set(call_id, [...(byCall.get(call_id) ?? []), card]);
      return calls.map((row) => auditRecordFromRow(row, byCall.get(row.id) ?? []));
    });
  }

  async rememberToken(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    await this.migrate();
    return this.withClient('replay', async (client) => {
      // One statement, so two replicas checking the same token at once cannot both see it as new.
      const result = await client.query(
        `INSERT INTO jwt_replay (token_key, expires_ms) VALUES ($1, $2)
         ON CONFLICT (token_key) DO UPDATE SET expires_ms = EXCLUDED.expires_ms WHERE jwt_replay.expires_ms <= $3`,
        [key, Math.round(expiresAtMs), Math.round(nowMs)],
      );
      const fresh = (result.rowCount ?? 0) > 0;
      if (fresh && ++this.sinceSweep >= SWEEP_EVERY) {
        this.sinceSweep = 0;
        await client.query('DELETE FROM jwt_replay WHERE expires_ms <= $1', [Math.round(nowMs)]);
      }
      return fresh;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
