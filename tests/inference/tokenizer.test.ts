import { loadManifest } from '../../src/inference/manifest';
import { PromptTokenizer } from '../../src/inference/tokenizer';
import { suffixFor, type EncounterPrompt } from '../../src/lamo/types';
import { realPrompts, TEST_MODEL_DIR } from './helpers';

let tokenizer: PromptTokenizer;
let candidates: string[];
let prompts: EncounterPrompt[];

beforeAll(async () => {
  const loaded = loadManifest(TEST_MODEL_DIR);
  tokenizer = PromptTokenizer.load(loaded);
  candidates = loaded.manifest.candidates.map((c) => c.name);
  prompts = await realPrompts(6);
});

test('prefix tokens + suffix tokens = tokens of the whole prompt, for every candidate', () => {
  // The prefix-shared path scores prefix and suffix tokenised apart; this is what makes that equal
  // to scoring the whole prompt.
  for (const prompt of prompts) {
    const prefix = tokenizer.encodePrefix(prompt.prefix);
    for (const name of [...candidates, ...Object.keys(prompt.candidateHistory ?? {})]) {
      const whole = tokenizer.encodeFull(prompt.prefix + suffixFor(prompt, name));
      expect([...prefix, ...tokenizer.suffixTokens(prompt, name)]).toEqual(whole);
    }
  }
});

test('suffix tokens of a drug without history are computed once per candidate and template', () => {
  const { suffixTemplate } = prompts[0]!;
  const first = tokenizer.suffixTokens({ suffixTemplate }, candidates[0]!);
  expect(tokenizer.suffixTokens({ suffixTemplate }, candidates[0]!)).toBe(first); // the cached array itself
  expect(Object.isFrozen(first)).toBe(true);
  expect(tokenizer.suffixTokens({ suffixTemplate }, candidates[1]!)).not.toEqual(first);
  expect(tokenizer.suffixTokens({ suffixTemplate: `${suffixTemplate} ` }, candidates[0]!)).not.toBe(first);
});

test('a drug ordered before carries its history after its name; one never ordered does not', () => {
  const { suffixTemplate } = prompts[0]!;
  const candidateHistory = { [candidates[0]!]: ', ordered at the last visit, at 1 of the last 1 visits' };
  const plain = tokenizer.suffixTokens({ suffixTemplate }, candidates[0]!);
  const withHistory = tokenizer.suffixTokens({ suffixTemplate, candidateHistory }, candidates[0]!);
  expect(withHistory.length).toBeGreaterThan(plain.length);
  expect(tokenizer.decode(withHistory)).toMatch(/last visit/);
  expect(tokenizer.suffixTokens({ suffixTemplate, candidateHistory }, candidates[1]!)).toEqual(tokenizer.suffixTokens({ suffixTemplate }, candidates[1]!));
});

test('the suffix names the candidate, and tokenisation keeps it recoverable', () => {
  const { suffixTemplate } = prompts[0]!;
  for (const name of candidates.slice(0, 10)) {
    const text = tokenizer.decode(tokenizer.suffixTokens({ suffixTemplate }, name));
    expect(text.toLowerCase().replace(/\s+/g, '')).toContain(name.toLowerCase().replace(/\s+/g, ''));
  }
});

test('different prefixes give different prefix tokens; padding id is a real token', () => {
  expect(tokenizer.encodePrefix(prompts[0]!.prefix)).not.toEqual(tokenizer.encodePrefix(prompts[1]!.prefix));
  expect(tokenizer.padId).toBeGreaterThanOrEqual(0);
  expect(tokenizer.padId).toBeLessThan(tokenizer.vocabSize);
});
