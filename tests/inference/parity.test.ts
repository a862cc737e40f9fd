/** @jest-environment ./tests/inference/onnx-environment.js */
/** onnxruntime-node must reproduce PyTorch: the same token ids from the same text, and the same logits.
 *
 * tests/fixtures/parity.json is written on the Python side (model/train) from the shipped model:
 *   { "modelVersion": "…",                        // lamo.json version the logits come from
 *     "cases": [{ "text": "<whole prompt>",       // or "prefix" + "suffix"
 *                 "ids": [..],                    // tokenizer ids of the text
 *                 "positions": [..],              // optional: which positions "logits" holds (default all)
 *                 "logits": [[..vocab..], ..] }] } // PyTorch logits at those positions */
import * as fs from 'fs';
import * as path from 'path';
import { OnnxScorer } from '../../src/inference/onnx-scorer';
import { TEST_MODEL_DIR } from './helpers';

interface ParityCase {
  text?: string;
  prefix?: string;
  suffix?: string;
  ids: number[];
  positions?: number[];
  logits: number[][];
}
interface ParityFixture {
  modelVersion?: string;
  cases: ParityCase[];
}

const FIXTURE = path.resolve(__dirname, '../fixtures/parity.json');
const fixture: ParityFixture | undefined = fs.existsSync(FIXTURE)
  ? (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as ParityFixture)
  : undefined;

// Until the Python side has written the fixture there is nothing to compare with.
const describeIfFixture = fixture ? describe : describe.skip;

describeIfFixture('onnxruntime-node vs PyTorch (tests/fixtures/parity.json)', () => {
  let scorer: OnnxScorer;
  beforeAll(async () => {
    scorer = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1 });
  });
  afterAll(() => scorer.close());

  test('the fixture is for the model under test and has cases', () => {
    expect(fixture!.cases.length).toBeGreaterThan(0);
    if (fixture!.modelVersion !== undefined) expect(scorer.modelVersion).toBe(fixture!.modelVersion);
  });

  test('token ids equal the Python tokenizer ids', () => {
    for (const c of fixture!.cases) {
      const text = c.text ?? `${c.prefix ?? ''}${c.suffix ?? ''}`;
      expect(scorer.tokenizer.encodeFull(text)).toEqual(c.ids);
    }
  });

  test('logits equal PyTorch logits (max |Δ| ≤ 1e-4)', async () => {
    let worst = 0;
    for (const c of fixture!.cases) {
      const { dims, data } = await scorer.logits(c.ids);
      const vocab = dims[1]!;
      const positions = c.positions ?? c.logits.map((_, i) => i);
      expect(positions).toHaveLength(c.logits.length);
      positions.forEach((position, row) => {
        const expected = c.logits[row]!;
        expect(expected).toHaveLength(vocab);
        for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(data[position * vocab + v]! - expected[v]!));
      });
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});

test('parity fixture present, or the parity check is skipped knowingly', () => {
  // Keeps this file from being an empty suite before the fixture exists.
  expect(fixture === undefined || Array.isArray(fixture.cases)).toBe(true);
});
