/**
 * Durable state of the service, in one SQLite file (default var/lamo-cds.sqlite):
 * - feedback from CDS Clients (POST …/feedback), idempotent: the same entry posted twice is stored once;
 * - the audit trail: one row per CDS call (hookInstance, service, time, model version, HTTP status) and one
 *   per card issued (uuid, kind, indicator). The patient appears only as a keyed hash (HMAC-SHA256 with the
 *   audit key), so the audit can link calls about one patient without holding the patient's id.
 */
import { createHash, createHmac, randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import type { CardKind, FeedbackEntry, Indicator } from './types';

export interface AuditRecord {
  hookInstance: string;
  serviceId: string;
  at: Date;
  status: number;
  elapsedMs: number;
  modelVersion?: string;
  patientHash?: string;
  /** Why model cards are missing, when they are (e.g. "deadline", "queue-full", "incomplete-record"). */
  note?: string;
  cards: { uuid: string; kind: CardKind; indicator: Indicator }[];
}

export interface StoredFeedback extends FeedbackEntry {
  serviceId: string;
  receivedAt: string;
  /** The kind of card the feedback is about, when the card was issued by this service. */
  cardKind?: CardKind;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS feedback (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL,
  card_uuid TEXT NOT NULL,
  outcome TEXT NOT NULL,
  accepted_suggestions TEXT,
  override_system TEXT,
  override_code TEXT,
  override_display TEXT,
  user_comment TEXT,
  outcome_timestamp TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_card ON feedback (card_uuid);
CREATE TABLE IF NOT EXISTS audit_call (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hook_instance TEXT NOT NULL,
  service_id TEXT NOT NULL,
  at TEXT NOT NULL,
  status INTEGER NOT NULL,
  elapsed_ms INTEGER NOT NULL,
  model_version TEXT,
  patient_hash TEXT,
  note TEXT
);
CREATE INDEX IF NOT EXISTS audit_call_instance ON audit_call (hook_instance);
CREATE TABLE IF NOT EXISTS audit_card (
  card_uuid TEXT PRIMARY KEY,
  call_id INTEGER NOT NULL REFERENCES audit_call (id),
  kind TEXT NOT NULL,
  indicator TEXT NOT NULL
);
`;

/** The identity of a feedback entry: what the client said, not when we received it. */
function feedbackKey(serviceId: string, entry: FeedbackEntry): string {
  const identity = [
    serviceId,
    entry.card,
    entry.outcome,
    (entry.acceptedSuggestions ?? []).map((s) => s.id).sort(),
    entry.overrideReason?.reason?.system ?? null,
    entry.overrideReason?.reason?.code ?? null,
    entry.overrideReason?.userComment ?? null,
    entry.outcomeTimestamp ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

export class CdsStore {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(SCHEMA);
  }

  /** Stores feedback entries; returns how many were new (the rest had been stored before). */
  saveFeedback(serviceId: string, entries: readonly FeedbackEntry[], receivedAt: Date): { stored: number; duplicates: number } {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO feedback (id, service_id, card_uuid, outcome, accepted_suggestions, override_system,
         override_code, override_display, user_comment, outcome_timestamp, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const run = this.db.transaction(() => {
      let stored = 0;
      for (const entry of entries) {
        const reason = entry.overrideReason?.reason;
        const result = insert.run(
          feedbackKey(serviceId, entry),
          serviceId,
          entry.card,
          entry.outcome,
          entry.acceptedSuggestions ? JSON.stringify(entry.acceptedSuggestions.map((s) => s.id)) : null,
          reason?.system ?? null,
          reason?.code ?? null,
          reason?.display ?? null,
          entry.overrideReason?.userComment ?? null,
          entry.outcomeTimestamp ?? null,
          receivedAt.toISOString(),
        );
        stored += result.changes;
      }
      return stored;
    });
    const stored = run();
    return { stored, duplicates: entries.length - stored };
  }

  listFeedback(serviceId?: string): StoredFeedback[] {
    interface Row {
      service_id: string;
      card_uuid: string;
      outcome: 'accepted' | 'overridden';
      accepted_suggestions: string | null;
      override_system: string | null;
      override_code: string | null;
      override_display: string | null;
      user_comment: string | null;
      outcome_timestamp: string | null;
      received_at: string;
      kind: CardKind | null;
    }
    const rows = this.db
      .prepare(
        `SELECT f.*, c.kind FROM feedback f LEFT JOIN audit_card c ON c.card_uuid = f.card_uuid
         ${serviceId ? 'WHERE f.service_id = ?' : ''} ORDER BY f.received_at, f.id`,
      )
      .all(...(serviceId ? [serviceId] : [])) as Row[];
    return rows.map((row) => {
      const reason = row.override_code
        ? {
            code: row.override_code,
            ...(row.override_system ? { system: row.override_system } : {}),
            ...(row.override_display ? { display: row.override_display } : {}),
          }
        : undefined;
      const overrideReason =
        reason || row.user_comment ? { ...(reason ? { reason } : {}), ...(row.user_comment ? { userComment: row.user_comment } : {}) } : undefined;
      return {
        serviceId: row.service_id,
        card: row.card_uuid,
        outcome: row.outcome,
        ...(row.accepted_suggestions ? { acceptedSuggestions: (JSON.parse(row.accepted_suggestions) as string[]).map((id) => ({ id })) } : {}),
        ...(overrideReason ? { overrideReason } : {}),
        ...(row.outcome_timestamp ? { outcomeTimestamp: row.outcome_timestamp } : {}),
        receivedAt: row.received_at,
        ...(row.kind ? { cardKind: row.kind } : {}),
      };
    });
  }

  recordCall(record: AuditRecord): void {
    const insertCall = this.db.prepare(
      `INSERT INTO audit_call (hook_instance, service_id, at, status, elapsed_ms, model_version, patient_hash, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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
        record.patientHash ?? null,
        record.note ?? null,
      );
      for (const card of record.cards) insertCard.run(card.uuid, lastInsertRowid, card.kind, card.indicator);
    })();
  }

  listCalls(): AuditRecord[] {
    interface Row {
      id: number;
      hook_instance: string;
      service_id: string;
      at: string;
      status: number;
      elapsed_ms: number;
      model_version: string | null;
      patient_hash: string | null;
      note: string | null;
    }
    const calls = this.db.prepare('SELECT * FROM audit_call ORDER BY id').all() as Row[];
    const cardsOf = this.db.prepare('SELECT card_uuid AS uuid, kind, indicator FROM audit_card WHERE call_id = ? ORDER BY rowid');
    return calls.map((row) => ({
      hookInstance: row.hook_instance,
      serviceId: row.service_id,
      at: new Date(row.at),
      status: row.status,
      elapsedMs: row.elapsed_ms,
      ...(row.model_version ? { modelVersion: row.model_version } : {}),
      ...(row.patient_hash ? { patientHash: row.patient_hash } : {}),
      ...(row.note ? { note: row.note } : {}),
      cards: cardsOf.all(row.id) as AuditRecord['cards'],
    }));
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The audit key: LAMO_AUDIT_KEY when set (any string; hex or base64 is usual), else the key stored in
 * `keyFile`, generated (32 random bytes, owner-only file) on first use so hashes stay comparable across restarts.
 */
export function loadAuditKey(configured: string | undefined, keyFile: string): Buffer {
  if (configured && configured.length > 0) return Buffer.from(configured, 'utf8');
  if (existsSync(keyFile)) {
    const stored = readFileSync(keyFile, 'utf8').trim();
    if (stored.length >= 32) return Buffer.from(stored, 'utf8');
    throw new Error(`${keyFile}: the audit key is too short; delete the file to generate a new one`);
  }
  mkdirSync(path.dirname(keyFile), { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs, so both hash alike.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadAuditKey(undefined, keyFile);
    throw error;
  }
  return Buffer.from(key, 'utf8');
}

export function patientHash(key: Buffer, patientId: string): string {
  return createHmac('sha256', key).update(patientId, 'utf8').digest('hex');
}
