/**
 * The service's durable state behind one interface, with two backends (SQLite file, PostgreSQL):
 * - feedback from CDS Clients, idempotent by (service, card uuid, outcome): a retry, or the same feedback
 *   posted to another replica, is stored once;
 * - the audit trail: one row per CDS call and one per card issued; the patient only as a keyed hash;
 * - the JWT replay memory: each (issuer, jti) until its token expires, shared by every replica.
 * Every method may reject with StoreUnavailableError (the database cannot be reached); callers degrade.
 */
import type { CardKind, FeedbackEntry, Indicator } from '../cds/types';

export interface AuditRecord {
  hookInstance: string;
  serviceId: string;
  at: Date;
  status: number;
  elapsedMs: number;
  modelVersion?: string;
  /** The knowledge version in force for the call (src/safety/knowledge-version.ts). */
  knowledgeVersion?: string;
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

export interface FeedbackResult {
  stored: number;
  duplicates: number;
  /** The entries stored now (not the duplicates), with the kind of their card when known: for metrics. */
  storedEntries: { entry: FeedbackEntry; cardKind?: CardKind }[];
}

export type StoreBackend = 'sqlite' | 'postgres';

export interface CdsStore {
  readonly backend: StoreBackend;
  /** Applies pending migrations (idempotent); every other method calls it first. */
  migrate(): Promise<void>;
  saveFeedback(serviceId: string, entries: readonly FeedbackEntry[], receivedAt: Date): Promise<FeedbackResult>;
  listFeedback(serviceId?: string): Promise<StoredFeedback[]>;
  recordCall(record: AuditRecord): Promise<void>;
  listCalls(): Promise<AuditRecord[]>;
  /** Remembers `key` until `expiresAtMs`; false when it is already remembered and not yet expired. */
  rememberToken(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
  /** Schema versions applied, ascending. */
  appliedMigrations(): Promise<number[]>;
  close(): Promise<void>;
}

/** The database cannot be reached or failed: feedback answers 503, the audit row is counted as lost. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(operation: string, cause: unknown) {
    super(`the database is unavailable (${operation}: ${cause instanceof Error ? cause.message.split('\n')[0]!.slice(0, 200) : String(cause)})`);
  }
}
