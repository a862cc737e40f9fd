/** Prompt templates live in the model manifest (model/lamo.json), so a hospital's own model brings its own. */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { DEFAULT_MODEL_DIR } from '../paths';
import type { PromptTemplates } from './types';

export function readPromptTemplates(modelDir: string = DEFAULT_MODEL_DIR): PromptTemplates {
  const file = path.join(modelDir, 'lamo.json');
  const manifest = readJsonFile(file, 'model manifest (prompt templates)');
  const templates = (manifest as { templates?: Partial<PromptTemplates> } | null)?.templates;
  for (const key of ['withHistory', 'withoutHistory'] as const) {
    const template = templates?.[key];
    if (typeof template !== 'string' || !template.includes('{input}')) {
      throw new Error(`${file}: templates.${key} must be a string containing {input}`);
    }
  }
  if (!templates!.withHistory!.includes('{history}')) {
    throw new Error(`${file}: templates.withHistory must contain {history}`);
  }
  return { withHistory: templates!.withHistory!, withoutHistory: templates!.withoutHistory!, history: historyFormat(manifest, file) };
}

/** The manifest's `prompt.history` (src/inference/manifest.ts checks it at model load): absent → false, the
 * format of models trained before the history was put in words (2.0.0). */
function historyFormat(manifest: unknown, file: string): boolean {
  const prompt = (manifest as { prompt?: unknown } | null)?.prompt;
  if (prompt === undefined) return false;
  const history = (prompt as { history?: unknown } | null)?.history;
  if (typeof prompt !== 'object' || prompt === null || (history !== undefined && typeof history !== 'boolean')) {
    throw new Error(`${file}: prompt must be an object whose history is true or false`);
  }
  return history === true;
}
