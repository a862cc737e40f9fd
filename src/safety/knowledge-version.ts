/**
 * The knowledge version in force (contract E): one string that changes whenever any table of
 * fhir-mappings/ or the local overrides file changes, so that a card and its audit row say which knowledge
 * judged the call ("kb-3f2a9c1d4e5b", "kb-3f2a9c1d4e5b+local-9a0b1c2d" with a hospital's overrides). The files
 * are hashed as read at start: the service reads its tables once, so the version cannot drift while it runs.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FHIR_MAPPINGS_DIR } from '../paths';

export interface KnowledgeVersion {
  /** "kb-<12 hex of the tables>" plus "+local-<8 hex of the overrides file>" when one is in force. */
  version: string;
  /** Each table file with its SHA-256, for an auditor who wants to know which file changed. */
  files: { file: string; sha256: string }[];
  overrides?: { file: string; sha256: string };
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The version of every `*.json` in `dir` (sorted by name) and of the overrides file's text, when given. */
export function knowledgeVersion(overrides?: { file: string; text: string }, dir = FHIR_MAPPINGS_DIR): KnowledgeVersion {
  const names = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const whole = createHash('sha256');
  const files = names.map((name) => {
    const content = fs.readFileSync(path.join(dir, name));
    whole.update(name).update('\0').update(content).update('\0');
    return { file: `fhir-mappings/${name}`, sha256: sha256(content) };
  });
  const tables = whole.digest('hex').slice(0, 12);
  if (!overrides) return { version: `kb-${tables}`, files };
  const local = sha256(overrides.text);
  return { version: `kb-${tables}+local-${local.slice(0, 8)}`, files, overrides: { file: overrides.file, sha256: local } };
}
