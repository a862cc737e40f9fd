/**
 * Versioned schema migrations, one list for both backends (the SQL differs only where the dialects do).
 * Applied at start, in order, each once: the applied versions are kept in `schema_migrations`. Two replicas
 * starting at once serialise on a lock (PostgreSQL: a transaction-level advisory lock; SQLite: BEGIN
 * IMMEDIATE), so the second finds the work done. Version 1 uses IF NOT EXISTS so that databases created
 * before migrations existed adopt it unchanged. Never edit a released migration: add the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'feedback and audit',
    sqlite: `
      CREATE TABLE IF NOT EXISTS feedback (
        id TEXT PRIMARY KEY, service_id TEXT NOT NULL, card_uuid TEXT NOT NULL, outcome TEXT NOT NULL,
        accepted_suggestions TEXT, override_system TEXT, override_code TEXT, override_display TEXT,
        user_comment TEXT, outcome_timestamp TEXT, received_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS feedback_card ON feedback (card_uuid);
      CREATE TABLE IF NOT EXISTS audit_call (
        id INTEGER PRIMARY KEY AUTOINCREMENT, hook_instance TEXT NOT NULL, service_id TEXT NOT NULL, at TEXT NOT NULL,
        status INTEGER NOT NULL, elapsed_ms INTEGER NOT NULL, model_version TEXT, patient_hash TEXT, note TEXT);
      CREATE INDEX IF NOT EXISTS audit_call_instance ON audit_call (hook_instance);
      CREATE TABLE IF NOT EXISTS audit_card (
        card_uuid TEXT PRIMARY KEY, call_id INTEGER NOT NULL REFERENCES audit_call (id), kind TEXT NOT NULL, indicator TEXT NOT NULL);`,
    postgres: `
      CREATE TABLE IF NOT EXISTS feedback (
        id TEXT PRIMARY KEY, service_id TEXT NOT NULL, card_uuid TEXT NOT NULL, outcome TEXT NOT NULL,
        accepted_suggestions TEXT, override_system TEXT, override_code TEXT, override_display TEXT,
        user_comment TEXT, outcome_timestamp TEXT, received_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS feedback_card ON feedback (card_uuid);
      CREATE TABLE IF NOT EXISTS audit_call (
        id BIGSERIAL PRIMARY KEY, hook_instance TEXT NOT NULL, service_id TEXT NOT NULL, at TIMESTAMPTZ NOT NULL,
        status INTEGER NOT NULL, elapsed_ms INTEGER NOT NULL, model_version TEXT, patient_hash TEXT, note TEXT);
      CREATE INDEX IF NOT EXISTS audit_call_instance ON audit_call (hook_instance);
      CREATE TABLE IF NOT EXISTS audit_card (
        card_uuid TEXT PRIMARY KEY, call_id BIGINT NOT NULL REFERENCES audit_call (id), kind TEXT NOT NULL, indicator TEXT NOT NULL);`,
  },
  {
    version: 2,
    name: 'JWT replay memory shared by replicas',
    sqlite: `
      CREATE TABLE jwt_replay (token_key TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL);
      CREATE INDEX jwt_replay_expiry ON jwt_replay (expires_ms);`,
    postgres: `
      CREATE TABLE jwt_replay (token_key TEXT PRIMARY KEY, expires_ms BIGINT NOT NULL);
      CREATE INDEX jwt_replay_expiry ON jwt_replay (expires_ms);`,
  },
  {
    version: 3,
    name: 'knowledge version of each audited call',
    sqlite: 'ALTER TABLE audit_call ADD COLUMN knowledge_version TEXT;',
    postgres: 'ALTER TABLE audit_call ADD COLUMN knowledge_version TEXT;',
  },
];

/** Both backends keep the applied versions here. */
export const MIGRATIONS_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';
