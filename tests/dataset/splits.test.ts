import { assignSplits, cutoffDate, internalPart, temporalCutoffs, temporalPart } from '../../src/dataset/splits';

describe('internal split', () => {
  it('is deterministic and close to 8:1:1 over many patients', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `patient-${i}`);
    const counts = { train: 0, val: 0, test: 0 };
    for (const id of ids) counts[internalPart(id)] += 1;
    expect(counts.train / ids.length).toBeCloseTo(0.8, 1);
    expect(counts.val / ids.length).toBeCloseTo(0.1, 1);
    expect(counts.test / ids.length).toBeCloseTo(0.1, 1);
    expect(ids.map((id) => internalPart(id))).toEqual(ids.map((id) => internalPart(id)));
  });
});

describe('temporal split', () => {
  it('puts about 20% of encounters after the test cut-off and 10% before it in validation', () => {
    const dates = Array.from({ length: 100 }, (_, i) => `2000-01-${String((i % 28) + 1).padStart(2, '0')}T${i}`).map((_, i) =>
      new Date(Date.UTC(2000, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    );
    const cutoffs = temporalCutoffs(dates);
    const parts = dates.map((d) => temporalPart(d, cutoffs));
    expect(parts.filter((p) => p === 'test')).toHaveLength(20);
    expect(parts.filter((p) => p === 'val')).toHaveLength(10);
    expect(cutoffDate([], 0.2)).toBe('');
  });

  it('assigns both designs to every item', () => {
    const items = [
      { patientId: 'a', date: '2001-01-01' },
      { patientId: 'b', date: '2002-01-01' },
    ];
    const { parts } = assignSplits(items);
    expect(parts.size).toBe(2);
    expect(Object.keys(parts.get(items[0])!)).toEqual(['internal', 'temporal']);
  });
});
