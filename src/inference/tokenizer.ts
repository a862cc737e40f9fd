/** Tokenisation for scoring. An encounter's prefix is tokenised once; each candidate's suffix
 * ("{drug}.\n'''\n###Answer:\n" with the drug filled in) never changes, so its tokens are cached. */
import * as fs from 'fs';
// Compiled to require(): Node picks the package's CommonJS build through its "exports" map.
import { Tokenizer } from '@huggingface/tokenizers';
import { historyOf, type EncounterPrompt } from '../lamo/types';
import { ModelLoadError, type LoadedManifest } from './manifest';

type HfTokenizer = Tokenizer;

export class PromptTokenizer {
  /** Number of token ids the tokenizer can produce (vocabulary plus added tokens). */
  readonly vocabSize: number;
  /** Id used to pad batches on the right; padded positions are never read, so any valid id works. */
  readonly padId: number;
  private readonly suffixCache = new Map<string, Map<string, readonly number[]>>();

  private constructor(
    private readonly tokenizer: HfTokenizer,
    readonly file: string,
  ) {
    const vocab = tokenizer.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const config = tokenizerPadToken(tokenizer);
    this.padId = config ?? 0;
  }

  /** Loads the tokenizer a manifest names and checks the manifest's answer tokens against it. */
  static load(loaded: LoadedManifest): PromptTokenizer {
    const file = loaded.tokenizerPath;
    const tokenizerJson = readJson(file, 'tokenizer');
    const config = loaded.tokenizerConfigPath ? readJson(loaded.tokenizerConfigPath, 'tokenizer config') : {};
    let hf: HfTokenizer;
    try {
      hf = new Tokenizer(tokenizerJson, config);
    } catch (err) {
      throw new ModelLoadError(file, `cannot build a tokenizer from it (${(err as Error).message})`);
    }
    const tokenizer = new PromptTokenizer(hf, file);
    tokenizer.checkAnswerTokens(loaded);
    return tokenizer;
  }

  /** Tokens of an encounter prefix, with the tokenizer's leading special tokens (e.g. BOS). */
  encodePrefix(prefix: string): number[] {
    return this.tokenizer.encode(prefix, { add_special_tokens: true }).ids;
  }

  /** Tokens of a suffix that continues a prefix: no special tokens. */
  encodeSuffix(suffix: string): number[] {
    return this.tokenizer.encode(suffix, { add_special_tokens: false }).ids;
  }

  /** Tokens of a whole prompt tokenised in one piece (the naive path's input). */
  encodeFull(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: true }).ids;
  }

  /** Suffix tokens of one candidate of a prompt: with its history text when the patient was ordered it
   * before (tokenised per prompt), else the template's own, computed once per template and candidate. */
  suffixTokens(prompt: Pick<EncounterPrompt, 'suffixTemplate' | 'candidateHistory'>, candidate: string): readonly number[] {
    const history = historyOf(prompt, candidate);
    if (history) return this.encodeSuffix(prompt.suffixTemplate.split('{drug}').join(candidate + history));
    const suffixTemplate = prompt.suffixTemplate;
    let perCandidate = this.suffixCache.get(suffixTemplate);
    if (!perCandidate) {
      // Prompts come from a handful of manifest templates; the bound only guards against a caller
      // that varies the template per request.
      if (this.suffixCache.size >= 16) this.suffixCache.clear();
      perCandidate = new Map();
      this.suffixCache.set(suffixTemplate, perCandidate);
    }
    let ids = perCandidate.get(candidate);
    if (!ids) {
      ids = Object.freeze(this.encodeSuffix(suffixTemplate.split('{drug}').join(candidate)));
      perCandidate.set(candidate, ids);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: false });
  }

  /** Answer tokens must exist and decode to their own word ("yes" → "Yes", " yes", "Yes."), else the
   * model would be scored on tokens it was not trained to answer with. */
  private checkAnswerTokens(loaded: LoadedManifest): void {
    for (const [word, id] of Object.entries(loaded.manifest.answerTokens)) {
      const token = this.tokenizer.id_to_token(id);
      if (token === undefined || id >= this.vocabSize) {
        throw new ModelLoadError(
          loaded.manifestPath,
          `answerTokens.${word} = ${id} is not a token of ${loaded.tokenizerPath}`,
        );
      }
      const expected = loaded.manifest.answerTokenTexts?.[word];
      if (expected !== undefined) {
        if (token !== expected) {
          throw new ModelLoadError(
            loaded.manifestPath,
            `answerTokens.${word} = ${id} is ${JSON.stringify(token)} in ${loaded.tokenizerPath}, but answerTokenTexts.${word} says ${JSON.stringify(expected)}`,
          );
        }
        continue;
      }
      const text = this.decode([id]);
      if (normaliseAnswer(text) !== normaliseAnswer(word)) {
        throw new ModelLoadError(
          loaded.manifestPath,
          `answerTokens.${word} = ${id} decodes to ${JSON.stringify(text)} in ${loaded.tokenizerPath}, not "${word}"`,
        );
      }
    }
  }
}

/** Case, surrounding blanks, byte-level space markers and trailing punctuation are spelling, not meaning. */
function normaliseAnswer(text: string): string {
  return text
    .replace(/^[\sĠ▁<]+|[\s.>!]+$/gu, '')
    .toLowerCase();
}

function tokenizerPadToken(tokenizer: HfTokenizer): number | undefined {
  for (const name of ['<pad>', '[PAD]', '<|pad|>', '<|endoftext|>', '</s>']) {
    const id = tokenizer.token_to_id(name);
    if (id !== undefined) return id;
  }
  return undefined;
}

function readJson(file: string, what: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(file, `${what} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelLoadError(file, `${what} is not a JSON object`);
  }
  return parsed;
}
