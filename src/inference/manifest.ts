/** The model manifest (`lamo.json`): what a model directory holds and how to use it.
 * Everything that can be checked without running the model is checked here, at start-up, so that a
 * broken model directory stops the service with a message naming the file instead of failing later
 * on the first request. */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import type { PromptTemplates } from '../lamo/types';
import { decisionThresholds, ThresholdError, type DecisionThresholds } from './thresholds';

export const MANIFEST_FILE = 'lamo.json';

/** A model directory (or one file in it) that cannot be used. `file` is the offending file's path. */
export class ModelLoadError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelLoadError';
  }
}

export interface ManifestCandidate {
  /** The drug name as it appears in the prompt ("{drug}"). */
  name: string;
  /** RxNorm codes the candidate stands for (an ingredient-level candidate covers many products). */
  rxnorm?: string | string[];
  atc?: string | string[];
  /** This candidate's recommend threshold on P(yes) (tuned on validation); absent → the global `threshold`. */
  threshold?: number;
  /** This candidate's "unsupported order" threshold (see thresholds.ts); absent → the global one. */
  unsupportedThreshold?: number;
}

export interface ManifestModelFile {
  /** ONNX file name, relative to the model directory. */
  file: string;
  /** "*" = every candidate that no other entry lists; otherwise the candidate names routed to this file
   * (group-wise LoRA: one merged model per candidate group). */
  candidates: '*' | string[];
}

export interface ModelManifest {
  id: string;
  version: string;
  templates: Pick<PromptTemplates, 'withHistory' | 'withoutHistory'>;
  /** The prompt format the model was trained on: `history` true when its prompts word the medication history
   * (recent visits, each candidate's history; issue 17). Absent in models trained before it (2.0.0). */
  prompt?: { history?: boolean };
  /** Tokenizer file name (tokenizer.json). */
  tokenizer: string;
  /** tokenizer_config.json; when absent, a tokenizer_config.json beside the tokenizer is used if present. */
  tokenizerConfig?: string;
  models: ManifestModelFile[];
  candidates: ManifestCandidate[];
  /** Answer-token ids: `yes` and `no` are required; other keys (e.g. a second spelling) are allowed. */
  answerTokens: { yes: number; no: number; [other: string]: number };
  /** The exact token text of each answer token, checked against the tokenizer when given. */
  answerTokenTexts?: Record<string, string>;
  /** Global recommend threshold; decisions go through `decisionThresholds` (thresholds.ts), never this field. */
  threshold: number;
  /** Global "unsupported order" threshold (≤ threshold); absent → DEFAULT_UNSUPPORTED_THRESHOLD. */
  unsupportedThreshold?: number;
  expectedDrugsPerVisit?: number;
  metrics?: Record<string, unknown>;
}

const codesSchema = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

/** Only what the scorer relies on is required; fields the scorer does not use (format, note, …) pass. */
const manifestSchema = {
  type: 'object',
  required: ['id', 'version', 'templates', 'tokenizer', 'models', 'candidates', 'answerTokens', 'threshold'],
  properties: {
    id: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    templates: {
      type: 'object',
      required: ['withHistory', 'withoutHistory'],
      properties: { withHistory: { type: 'string' }, withoutHistory: { type: 'string' } },
    },
    prompt: { type: 'object', properties: { history: { type: 'boolean' } }, additionalProperties: false },
    tokenizer: { type: 'string', minLength: 1 },
    tokenizerConfig: { type: 'string', minLength: 1 },
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['file', 'candidates'],
        properties: {
          file: { type: 'string', minLength: 1 },
          candidates: { anyOf: [{ const: '*' }, { type: 'array', items: { type: 'string', minLength: 1 } }] },
        },
      },
    },
    candidates: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          rxnorm: codesSchema,
          atc: codesSchema,
          threshold: { type: 'number', minimum: 0, maximum: 1 },
          unsupportedThreshold: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
    answerTokens: {
      type: 'object',
      required: ['yes', 'no'],
      properties: { yes: { type: 'integer', minimum: 0 }, no: { type: 'integer', minimum: 0 } },
      additionalProperties: { type: 'integer', minimum: 0 },
    },
    answerTokenTexts: { type: 'object', additionalProperties: { type: 'string' } },
    threshold: { type: 'number', minimum: 0, maximum: 1 },
    unsupportedThreshold: { type: 'number', minimum: 0, maximum: 1 },
    expectedDrugsPerVisit: { type: 'number', minimum: 0 },
    metrics: { type: 'object' },
  },
};

// Kept in step with ModelManifest by hand: ajv's JSONSchemaType cannot express the "*"-or-list union.
const validateManifest = new Ajv({ allErrors: true }).compile<ModelManifest>(manifestSchema);

export interface LoadedManifest {
  dir: string;
  manifestPath: string;
  manifest: ModelManifest;
  /** Absolute path of the tokenizer file. */
  tokenizerPath: string;
  /** Absolute path of the optional tokenizer_config.json (undefined when the directory has none). */
  tokenizerConfigPath?: string;
  /** Model file (absolute path) → candidate names it scores, in manifest order. */
  routes: Map<string, string[]>;
  /** The file of the `"*"` entry, which also scores a call's extra candidates (drugs of the patient's own
   * history outside the manifest's list) when the model was trained on them (`prompt.history`); undefined
   * otherwise (then extras are refused). */
  openRoute?: string;
  /** The decision rule (per-candidate recommend and unsupported thresholds), checked at load. */
  thresholds: DecisionThresholds;
}

/** Reads and checks `<dir>/lamo.json` and that every file it names is present. */
export function loadManifest(dir: string): LoadedManifest {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const raw = readFileOrFail(manifestPath, 'model manifest');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ModelLoadError(manifestPath, `not valid JSON (${(err as Error).message})`);
  }
  if (!validateManifest(parsed)) {
    const problems = (validateManifest.errors ?? [])
      .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
      .join('; ');
    throw new ModelLoadError(manifestPath, `does not match the manifest schema: ${problems}`);
  }
  const manifest = parsed;

  const names = new Set<string>();
  for (const candidate of manifest.candidates) {
    if (names.has(candidate.name)) {
      throw new ModelLoadError(manifestPath, `candidate "${candidate.name}" is listed twice`);
    }
    if (!candidate.name.trim()) throw new ModelLoadError(manifestPath, 'a candidate has a blank name');
    names.add(candidate.name);
  }
  if (manifest.answerTokens.yes === manifest.answerTokens.no) {
    throw new ModelLoadError(manifestPath, 'answerTokens.yes and answerTokens.no are the same token id');
  }
  let thresholds: DecisionThresholds;
  try {
    thresholds = decisionThresholds(manifest);
  } catch (err) {
    if (err instanceof ThresholdError) throw new ModelLoadError(manifestPath, err.message);
    throw err;
  }

  const tokenizerPath = path.join(dir, manifest.tokenizer);
  requireFile(tokenizerPath, 'tokenizer file named by lamo.json "tokenizer"');
  let configPath: string | undefined;
  if (manifest.tokenizerConfig !== undefined) {
    configPath = path.join(dir, manifest.tokenizerConfig);
    requireFile(configPath, 'tokenizer config named by lamo.json "tokenizerConfig"');
  } else {
    const beside = path.join(path.dirname(tokenizerPath), 'tokenizer_config.json');
    if (fs.existsSync(beside)) configPath = beside;
  }

  const routes = routeCandidates(dir, manifestPath, manifest);
  for (const file of routes.keys()) requireFile(file, 'model file named by lamo.json "models"');
  // Extras (the patient's earlier drugs outside the list) are scored only by a model trained on them: one whose
  // prompts carry each candidate's history (`prompt.history`). 2.0.0 never saw such names: its Jaccard on the
  // internal test set falls from 0.649 to 0.601 when it scores them (model/reports/prompt-format-2.0.0.md).
  const wildcard = manifest.prompt?.history === true ? manifest.models.find((entry) => entry.candidates === '*') : undefined;
  const openRoute = wildcard ? path.join(dir, wildcard.file) : undefined;
  if (openRoute !== undefined && !routes.has(openRoute)) {
    requireFile(openRoute, 'model file named by lamo.json "models"');
    routes.set(openRoute, []); // scores only extra candidates
  }
  return {
    dir,
    manifestPath,
    manifest,
    tokenizerPath,
    tokenizerConfigPath: configPath,
    routes,
    ...(openRoute !== undefined ? { openRoute } : {}),
    thresholds,
  };
}

/** Each candidate goes to the file that lists it by name, else to the single "*" entry. */
function routeCandidates(dir: string, manifestPath: string, manifest: ModelManifest): Map<string, string[]> {
  const known = new Set(manifest.candidates.map((c) => c.name));
  const fileOf = new Map<string, string>();
  let wildcardFile: string | undefined;
  for (const entry of manifest.models) {
    const file = path.join(dir, entry.file);
    if (entry.candidates === '*') {
      if (wildcardFile !== undefined) {
        throw new ModelLoadError(manifestPath, `more than one models[] entry has candidates "*"`);
      }
      wildcardFile = file;
      continue;
    }
    for (const name of entry.candidates) {
      if (!known.has(name)) {
        throw new ModelLoadError(manifestPath, `models[] entry "${entry.file}" lists "${name}", which is not in candidates`);
      }
      const previous = fileOf.get(name);
      if (previous !== undefined && previous !== file) {
        throw new ModelLoadError(manifestPath, `candidate "${name}" is routed to two model files`);
      }
      fileOf.set(name, file);
    }
  }
  const routes = new Map<string, string[]>();
  for (const entry of manifest.models) routes.set(path.join(dir, entry.file), []);
  for (const { name } of manifest.candidates) {
    const file = fileOf.get(name) ?? wildcardFile;
    if (file === undefined) {
      throw new ModelLoadError(manifestPath, `candidate "${name}" is not routed to any model file (no "*" entry)`);
    }
    routes.get(file)!.push(name);
  }
  for (const [file, routed] of routes) {
    if (routed.length === 0) routes.delete(file); // a "*" file left with nothing to score need not load
  }
  return routes;
}

function readFileOrFail(file: string, what: string): string {
  requireFile(file, what);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelLoadError(file, `cannot read ${what} (${(err as Error).message})`);
  }
}

function requireFile(file: string, what: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ModelLoadError(file, `missing ${what}`);
  }
  if (!stat.isFile()) throw new ModelLoadError(file, `${what} is not a regular file`);
  if (stat.size === 0) throw new ModelLoadError(file, `${what} is empty`);
}
