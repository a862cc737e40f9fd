/**
 * The prompt format is a property of the model (manifest `"prompt": { "history": true }`): the shipped 2.0.0
 * was trained without the medication history in words, and gets exactly the prompt it was trained on; models
 * trained on `lamo-cds dataset` output get the history (recent visits in the prefix, each candidate's history
 * in its suffix).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promptTemplates } from '../../src/dataset/prepare';
import { buildEncounterPrompt } from '../../src/lamo/prompt';
import { readPromptTemplates } from '../../src/lamo/templates';
import { suffixFor } from '../../src/lamo/types';
import { DEFAULT_MODEL_DIR } from '../../src/paths';
import { encounter, fakeVocabulary, order, record, TEMPLATES } from './fixtures';

const vocab = fakeVocabulary(['lisinopril', 'metformin']);

function manifestDir(extra: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-prompt-format-'));
  fs.writeFileSync(path.join(dir, 'lamo.json'), JSON.stringify({ templates: TEMPLATES, ...extra }));
  return dir;
}

/** A patient with lisinopril at two earlier visits and a third visit to decide. */
function renewalVisit() {
  const e1 = encounter('e1', '2019-01-01T10:00:00Z', { medications: [order('m1', 'Lisinopril 10 MG Oral Tablet', 'e1', '2019-01-01T10:00:00Z')] });
  const e2 = encounter('e2', '2019-07-01T10:00:00Z', { medications: [order('m2', 'Lisinopril 10 MG Oral Tablet', 'e2', '2019-07-01T10:00:00Z')] });
  const e3 = encounter('e3', '2020-01-01T10:00:00Z', { medications: [order('m3', 'Metformin 500 MG Oral Tablet', 'e3', '2020-01-01T10:00:00Z')] });
  return { patient: record([e1, e2, e3]), visit: e3 };
}

test('the shipped model (2.0.0) has no history format; a manifest saying "prompt": { "history": true } has it', () => {
  expect(readPromptTemplates(DEFAULT_MODEL_DIR).history).toBe(false);
  const dirs = [manifestDir({ prompt: { history: true } }), manifestDir({ prompt: { history: false } }), manifestDir({ prompt: { history: 1 } })];
  try {
    expect(readPromptTemplates(dirs[0]).history).toBe(true);
    expect(readPromptTemplates(dirs[1]).history).toBe(false);
    expect(() => readPromptTemplates(dirs[2])).toThrow(/prompt must be an object whose history is true or false/);
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without the history format: no recent-visits lines, bare suffixes, the history\'s drugs still named as candidates', () => {
  const { patient, visit } = renewalVisit();
  const withHistory = buildEncounterPrompt(patient, visit, { ...TEMPLATES, history: true }, vocab);
  const without = buildEncounterPrompt(patient, visit, { ...TEMPLATES, history: false }, vocab);

  expect(withHistory.prefix).toContain('Recent visits with orders: ');
  expect(withHistory.prefix).toContain('Drugs ordered again at the next visit: ');
  expect(suffixFor(withHistory, 'lisinopril')).toMatch(/^lisinopril, ordered at the last visit, at 2 of the last 2 visits/);

  expect(without.prefix).not.toContain('Recent visits');
  expect(without.prefix).not.toContain('ordered again');
  expect(suffixFor(without, 'lisinopril')).toBe("lisinopril.\n'''\n###Answer:\n");
  expect(without.candidateHistory).toEqual({ lisinopril: '' });
  // Everything else is the same prompt: only the two history lines differ.
  const historyLines = /Recent visits with orders: [^\n]*,\nDrugs ordered again at the next visit: [^\n]*,\n/;
  expect(withHistory.prefix.replace(historyLines, '')).toBe(without.prefix);
  // Templates made in code (no field) are the current format.
  expect(buildEncounterPrompt(patient, visit, TEMPLATES, vocab).prefix).toBe(withHistory.prefix);
});

test('`lamo-cds dataset` writes the history format whatever the model it takes the templates from', () => {
  expect(promptTemplates({ modelDir: DEFAULT_MODEL_DIR }).history).toBe(false);
  expect(promptTemplates({ modelDir: DEFAULT_MODEL_DIR, promptHistory: true }).history).toBe(true);
});
