/** The embedded backend: one SQLite file (default var/lamo-cds.sqlite), for a single replica. WAL mode and
 * synchronous=NORMAL: a committed transaction survives the process being killed (only an OS crash may lose
 * the last ones), and readers never wait for the writer. */
import { mkdirSync } from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import type { CardKind, FeedbackEntry } from '../cds/types';
import { MIGRATIONS, MIGRATIONS_TABLE_SQL } from './migrations';
import { FEEDBACK_COLUMNS, feedbackValues, feedbackFromRow, LIST_FEEDBACK_SQL, auditRecordFromRow, type AuditCallRow, type FeedbackRow } from './rows';
import type { AuditRecord, CdsStore, FeedbackResult, StoredFeedback } from './types';

/** Expired replay entries are swept after this many new ones. */
const SWEEP_EVERY = 1000;

export class SqliteStore implements CdsStore {
  readonly backend = 'sqlite' as const;
  private readonly db: Database.Database;
  private migrated = false;
  private sinceSweep = 0;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
  }

  async migrate(): Promise<void> {
    if (this.migrated) return;
    // IMMEDIATE takes the write lock first: another process migrating the same file waits (busy_timeout).
    const run = this.db.transaction(() => {
      this.db.exec(MIGRATIONS_TABLE_SQL);
      const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
      const record = this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.db.exec(migration.sqlite);
        record.run(migration.version, migration.name, new Date().toISOString());
      }
    });
    run.immediate();
    this.migrated = true;
  }

  async appliedMigrations(): Promise<number[]> {
    await this.migrate();
    return (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
  }

  async saveFeedback(serviceId: string, entries: readonly FeedbackEntry[], receivedAt: Date): Promise<FeedbackResult> {
    await this.migrate();
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO feedback (${FEEDBACK_COLUMNS.join(', ')}) VALUES (${FEEDBACK_COLUMNS.map(() => '?').join(', ')})`,
    );
    const kindOf = this.db.prepare('SELECT kind FROM audit_card WHERE card_uuid = ?');
    const storedEntries: FeedbackResult['storedEntries'] = [];
    this.db.transaction(() => {
      for (const entry of entries) {
        if (insert.run(...feedbackValues(serviceId, entry, receivedAt)).changes === 0) continue;
        const kind = (kindOf.get(entry.card) as { kind: CardKind } | undefined)?.kind;
        storedEntries.push({ entry, ...(kind ? { cardKind: kind } : {}) });
      }
    })();
    return { stored: storedEntries.length, duplicates: entries.length - storedEntries.length, storedEntries };
  }

  async listFeedback(serviceId?: string): Promise<StoredFeedback[]> {
    await this.migrate();
    const rows = this.db.prepare(LIST_FEEDBACK_SQL(serviceId ? 'WHERE f.service_id = ?' : '')).all(...(serviceId ? [serviceId] : [])) as FeedbackRow[];
    return rows.map(feedbackFromRow);
  }

  async recordCall(record: AuditRecord): Promise<void> {
    await this.migrate();
    const insertCall = this.db.prepare(
      `INSERT INTO audit_call (hook_instance, service_id, at, status, elapsed_ms, model_version, knowledge_version, patient_hash, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertCard = this.db.prepare('INSERT OR IGNORE INTO audit_card (card_uuid, call_id, kind, indicator) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      const { lastInsertRowid } = insertCall.run(
        record.hookInstance,
        record.serviceId,
        record.at.toISOString(),
        record.status,
        Math.round(record.elapsedMs),
        record.modelVersion ?? null,
        record.knowledgeVersion ?? null,
        record.patientHash ?? null,
        record.note ?? null,
      );
      for (const card of record.cards) insertCard.run(card.uuid, lastInsertRowid, card.kind, card.indicator);
    })();
  }

  async listCalls(): Promise<AuditRecord[]> {
    await this.migrate();
    interface Row extends AuditCallRow {
      id: number;
    }
    const calls = this.db.prepare('SELECT * FROM audit_call ORDER BY id').all() as Row[];
    const cardsOf = this.db.prepare('SELECT card_uuid AS uuid, kind, indicator FROM audit_card WHERE call_id = ? ORDER BY rowid');
    return calls.map((row) => auditRecordFromRow(row, cardsOf.all(row.id) as AuditRecord['cards']));
  }

  async rememberToken(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    await this.migrate();
    // Inserted, or an expired entry renewed: the token is new. A live entry is left alone: a replay.
    const result = this.db
      .prepare(
        `INSERT INTO jwt_replay (token_key, expires_ms) VALUES (?, ?)
         ON CONFLICT (token_key) DO UPDATE SET expires_ms = excluded.expires_ms WHERE jwt_replay.expires_ms <= ?`,
      )
      .run(key, Math.round(expiresAtMs), Math.round(nowMs));
    if (result.changes > 0 && ++this.sinceSweep >= SWEEP_EVERY) {
      this.sinceSweep = 0;
      this.db.prepare('DELETE FROM jwt_replay WHERE expires_ms <= ?').run(Math.round(nowMs));
    }
    return result.changes > 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
