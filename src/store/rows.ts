/** What both backends share: the feedback identity and the mapping between rows and entries. */
import { createHash } from 'crypto';
import type { CardKind, FeedbackEntry } from '../cds/types';
import type { AuditRecord, StoredFeedback } from './types';

/** Feedback identity: one outcome per card (CDS Hooks: a card is accepted or overridden once); retries and
 * the same feedback posted to another replica collapse onto it. */
export function feedbackId(serviceId: string, entry: FeedbackEntry): string {
  return createHash('sha256').update(JSON.stringify([serviceId, entry.card, entry.outcome])).digest('hex');
}

/** Column values of a feedback row, in the order of FEEDBACK_COLUMNS. */
export const FEEDBACK_COLUMNS = [
  'id',
  'service_id',
  'card_uuid',
  'outcome',
  'accepted_suggestions',
  'override_system',
  'override_code',
  'override_display',
  'user_comment',
  'outcome_timestamp',
  'received_at',
] as const;

export function feedbackValues(serviceId: string, entry: FeedbackEntry, receivedAt: Date): (string | null)[] {
  const reason = entry.overrideReason?.reason;
  return [
    feedbackId(serviceId, entry),
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
  ];
}

export interface FeedbackRow {
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

export function feedbackFromRow(row: FeedbackRow): StoredFeedback {
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
}

export const LIST_FEEDBACK_SQL = (where: string): string =>
  `SELECT f.*, c.kind FROM feedback f LEFT JOIN audit_card c ON c.card_uuid = f.card_uuid ${where} ORDER BY f.received_at, f.id`;

/** An audit_call row as both backends read it (`at`: a timestamp in PostgreSQL, ISO text in SQLite). */
export interface AuditCallRow {
  hook_instance: string;
  service_id: string;
  at: Date | string;
  status: number;
  elapsed_ms: number;
  model_version: string | null;
  /** Added by migration 3; null for calls audited before it. */
  knowledge_version: string | null;
  patient_hash: string | null;
  note: string | null;
}

export function auditRecordFromRow(row: AuditCallRow, cards: AuditRecord['cards']): AuditRecord {
  return {
    hookInstance: row.hook_instance,
    serviceId: row.service_id,
    at: new Date(row.at),
    status: row.status,
    elapsedMs: row.elapsed_ms,
    ...(row.model_version ? { modelVersion: row.model_version } : {}),
    ...(row.knowledge_version ? { knowledgeVersion: row.knowledge_version } : {}),
    ...(row.patient_hash ? { patientHash: row.patient_hash } : {}),
    ...(row.note ? { note: row.note } : {}),
    cards,
  };
}
