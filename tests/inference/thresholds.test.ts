/** The one decision rule: per-candidate thresholds from the manifest, global fallbacks, checks at load. */
import {
  decisionThresholds,
  DEFAULT_UNSUPPORTED_THRESHOLD,
  recommended,
  ThresholdError,
  thresholdsFromTable,
} from '../../src/inference/thresholds';

const candidates = [
  { name: 'metformin', threshold: 0.3, unsupportedThreshold: 0.01 },
  { name: 'lisinopril', threshold: 0.7 },
  { name: 'ibuprofen' },
];

test('each candidate uses its own thresholds, else the global ones', () => {
  const rule = decisionThresholds({ threshold: 0.5, unsupportedThreshold: 0.04, candidates });
  expect(rule.recommend('metformin')).toBe(0.3);
  expect(rule.unsupported('metformin')).toBe(0.01);
  expect(rule.recommend('lisinopril')).toBe(0.7);
  expect(rule.unsupported('lisinopril')).toBe(0.04);
  expect(rule.recommend('ibuprofen')).toBe(0.5);
  expect(rule.unsupported('ibuprofen')).toBe(0.04);
  // A name outside the manifest (never scored) falls back to the global values.
  expect(rule.recommend('warfarin')).toBe(0.5);
  expect(rule.unsupported('warfarin')).toBe(0.04);
});

test('without any unsupported threshold the conservative default applies, never above recommend', () => {
  const rule = decisionThresholds({ threshold: 0.5, candidates: [...candidates, { name: 'naproxen', threshold: 0.01 }] });
  expect(rule.unsupported('ibuprofen')).toBe(DEFAULT_UNSUPPORTED_THRESHOLD);
  expect(rule.unsupported('naproxen')).toBe(0.01);
  expect(rule.unsupported('metformin')).toBe(0.01);
});

test('recommended() applies each candidate its own threshold', () => {
  const rule = decisionThresholds({ threshold: 0.5, candidates });
  const p = new Map([
    ['metformin', 0.35], // ≥ 0.3: recommended although under the global 0.5
    ['lisinopril', 0.6], // < 0.7: not recommended although over the global 0.5
    ['ibuprofen', 0.5], // = the global threshold: recommended (≥)
  ]);
  expect([...recommended(p, rule)].sort()).toEqual(['ibuprofen', 'metformin']);
});

test('the table crosses threads as plain data and gives the same rule', () => {
  const rule = decisionThresholds({ threshold: 0.5, unsupportedThreshold: 0.04, candidates });
  const copy = thresholdsFromTable(JSON.parse(JSON.stringify(rule.table)));
  for (const name of ['metformin', 'lisinopril', 'ibuprofen', 'unknown']) {
    expect(copy.recommend(name)).toBe(rule.recommend(name));
    expect(copy.unsupported(name)).toBe(rule.unsupported(name));
  }
});

test('inconsistent or out-of-range values are refused', () => {
  expect(() => decisionThresholds({ threshold: 0.5, unsupportedThreshold: 0.6, candidates })).toThrow(ThresholdError);
  expect(() =>
    decisionThresholds({ threshold: 0.5, candidates: [{ name: 'x', threshold: 0.2, unsupportedThreshold: 0.3 }] }),
  ).toThrow(/"x".*above its threshold/);
  expect(() => decisionThresholds({ threshold: Number.NaN, candidates })).toThrow(/threshold must be a number/);
  expect(() => decisionThresholds({ threshold: 0.5, candidates: [{ name: 'x', threshold: 1.2 }] })).toThrow(ThresholdError);
});
