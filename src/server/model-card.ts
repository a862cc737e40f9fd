/** The model card every card's `source.url` points at: the model directory's own MODEL_CARD.md when it has
 * one, else a summary generated from the manifest (what the model is, its threshold and metrics). */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import type { ModelManifest } from '../inference/manifest';

const CARD_FILES = ['MODEL_CARD.md', 'model-card.md', 'README.md'];

export function modelCardMarkdown(modelDir: string, manifest: ModelManifest): string {
  for (const name of CARD_FILES) {
    const file = path.join(modelDir, name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  const metrics = Object.entries(manifest.metrics ?? {})
    .filter(([, value]) => typeof value === 'number' || typeof value === 'string')
    .map(([key, value]) => `| ${key} | ${String(value)} |`);
  return [
    `# Model card: ${manifest.id} ${manifest.version}`,
    '',
    'LAMO (Zhao et al., arXiv 2503.03687): a language model that answers, per candidate drug, whether the drug is',
    "effective and safe for the patient's current clinical condition. This service turns its P(yes) into CDS Hooks",
    'cards: drugs ordered but not supported by the record, and drugs recommended but not yet ordered.',
    '',
    `- Candidate drugs: ${manifest.candidates.length}`,
    `- Decision threshold: P(yes) ≥ ${manifest.threshold}`,
    ...(manifest.expectedDrugsPerVisit !== undefined ? [`- Drugs per visit in the training data: ${manifest.expectedDrugsPerVisit}`] : []),
    '',
    ...(metrics.length > 0 ? ['| metric | value |', '|---|---|', ...metrics, ''] : ['No evaluation metrics are recorded in this model\'s manifest.', '']),
    'Drugs outside the candidate list are reported as not assessed. Recommendations support, and never replace,',
    'clinical judgement.',
    '',
  ].join('\n');
}
