/** @jest-environment ./tests/inference/onnx-environment.js */
/** onnxruntime-node must reproduce PyTorch: the same token ids from the same text, and the same logits
 * (max |Δ| ≤ 1e-4) and P(yes) through both scoring paths.
 *
 * tests/fixtures/parity.json is written by model/train/parity_fixture.py from the shipped model:
 *   { "model": {"id", "version"}, "answerTokens": {"yes", "no"},
 *     "cases": [{ "prefix", "suffix", "candidate", "ids", "lastLogits": [..vocab..], "yesLogit", "noLogit", "pYes" }] } */
import * as fs from 'fs';
import * as path from 'path';
import { OnnxScorer } from '../../src/inference/onnx-scorer';
import { TEST_MODEL_DIR } from './helpers';

interface ParityCase {
  prefix: string;
  suffix: string;
  candidate: string;
  ids: number[];
  lastLogits: number[];
  pYes: number;
}
interface ParityFixture {
  model: { id: string; version: string };
  cases: ParityCase[];
}

const FIXTURE = path.resolve(__dirname, '../fixtures/parity.json');
const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as ParityFixture;
const TOLERANCE = 1e-4;

describe('onnxruntime-node vs PyTorch (tests/fixtures/parity.json)', () => {
  let scorer: OnnxScorer;
  beforeAll(async () => {
    scorer = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1 });
  });
  afterAll(() => scorer.close());

  test('the fixture is for the model under test and holds 20 real prompts', () => {
    expect(fixture.cases).toHaveLength(20);
    expect(scorer.modelId).toBe(fixture.model.id);
    expect(scorer.modelVersion).toBe(fixture.model.version);
  });

  test('token ids equal the Python tokenizer ids', () => {
    for (const c of fixture.cases) expect(scorer.tokenizer.encodeFull(`${c.prefix}${c.suffix}`)).toEqual(c.ids);
  });

  test('answer-position logits equal PyTorch logits', async () => {
    let worst = 0;
    for (const c of fixture.cases) {
      const { dims, data } = await scorer.logits(c.ids);
      const vocab = dims[1]!;
      expect(c.lastLogits).toHaveLength(vocab);
      const last = (c.ids.length - 1) * vocab;
      for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(data[last + v]! - c.lastLogits[v]!));
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  test('P(yes) from both scoring paths equals PyTorch', async () => {
    for (const c of fixture.cases) {
      const prompt = { prefix: c.prefix, suffixTemplate: c.suffix.split(c.candidate).join('{drug}'), template: 'withHistory' as const };
      for (const mode of ['naive', 'shared'] as const) {
        const p = (await scorer.score(prompt, [c.candidate], mode)).get(c.candidate)!;
        expect(Math.abs(p - c.pYes)).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });
});
