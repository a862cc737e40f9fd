/** eval refuses a lamo row on test encounters the model was trained or tuned on. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EncounterExample } from '../../src/dataset/examples';
import { trainingOverlap } from '../../src/eval/training-overlap';
import { ModelLoadError } from '../../src/inference/manifest';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-overlap-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const example = (encounterKey: string): EncounterExample => ({ encounterKey }) as EncounterExample;

function writeModel(training: Record<string, unknown>, seen?: unknown): void {
  fs.writeFileSync(path.join(dir, 'lamo.json'), JSON.stringify({ id: 'm', training }));
  if (seen !== undefined) fs.writeFileSync(path.join(dir, 'seen.json'), JSON.stringify(seen));
}

test('counts the test encounters the model saw', () => {
  writeModel({ split: 'internal', seenEncountersFile: 'seen.json' }, { split: 'internal', encounters: ['a', 'b', 'c'] });
  expect(trainingOverlap(dir, [example('a'), example('x'), example('c')])).toEqual({ known: true, split: 'internal', seen: 2, total: 3 });
  expect(trainingOverlap(dir, [example('x'), example('y')]).seen).toBe(0);
});

test('a model that records no training encounters is reported as unknown, not as clean', () => {
  writeModel({ split: 'internal' });
  expect(trainingOverlap(dir, [example('a')])).toEqual({ known: false, seen: 0, total: 1 });
});

test('a named but unreadable file stops with a ModelLoadError naming it', () => {
  writeModel({ split: 'internal', seenEncountersFile: 'seen.json' });
  expect(() => trainingOverlap(dir, [example('a')])).toThrow(ModelLoadError);
  writeModel({ split: 'internal', seenEncountersFile: 'seen.json' }, { encounters: 'nope' });
  expect(() => trainingOverlap(dir, [example('a')])).toThrow(/no "encounters" list/);
});
