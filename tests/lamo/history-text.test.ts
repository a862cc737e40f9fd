import { candidateHistoryText, recentVisitLines, renewalWords, timeAgo } from '../../src/lamo/history-text';
import type { DrugHistory, MedicationHistory } from '../../src/lamo/medication-history';

const AT = '2021-06-30T00:00:00Z';
const day = (iso: string) => Date.parse(iso);

function history(visits: [string, string[]][], renewalRate?: number): MedicationHistory {
  return {
    at: AT,
    visits: visits.map(([date, drugs], i) => ({ key: `v${i}`, date, time: day(date), drugs })),
    ...(renewalRate !== undefined ? { renewalRate } : {}),
    regime: renewalRate === undefined ? 'first-visit' : renewalRate >= 0.5 ? 'renewing' : renewalRate > 0 ? 'some-renewals' : 'no-renewals',
    drugs: new Map(),
  };
}

function facts(parts: Partial<DrugHistory>): DrugHistory {
  return { drug: 'lisinopril', visits: 1, orderedAtLastVisit: true, inLastThree: 1, streak: 1, share: 1, renewalPairs: 0, ...parts };
}

describe('history in words', () => {
  it('puts times in coarse words a small model sees often', () => {
    expect(timeAgo(2)).toBe('days ago');
    expect(timeAgo(7)).toBe('1 week ago');
    expect(timeAgo(28)).toBe('4 weeks ago');
    expect(timeAgo(40)).toBe('1 month ago');
    expect(timeAgo(300)).toBe('10 months ago');
    expect(timeAgo(364)).toBe('11 months ago');
    expect(timeAgo(400)).toBe('1 year ago');
    expect(timeAgo(3 * 365.25)).toBe('3 years ago');
    expect(timeAgo(4000)).toBe('over 5 years ago');
  });

  it('names the renewal rate by the regimes of issue 17.5', () => {
    expect(renewalWords(undefined)).toBe('no earlier visits to compare');
    expect(renewalWords(0)).toBe('never');
    expect(renewalWords(0.3)).toBe('sometimes');
    expect(renewalWords(0.5)).toBe('usually');
    expect(renewalWords(0.9)).toBe('almost always');
  });

  it('lists the last three visits with orders, newest first, with their time before the encounter', () => {
    const h = history(
      [
        ['2020-01-01T00:00:00Z', ['amoxicillin']],
        ['2021-03-01T00:00:00Z', ['lisinopril', 'metformin']],
        ['2021-05-01T00:00:00Z', ['lisinopril']],
        ['2021-06-02T00:00:00Z', ['lisinopril', 'metformin']],
      ],
      0.75,
    );
    expect(recentVisitLines(h)).toEqual([
      'Recent visits with orders: 4 weeks ago: [lisinopril, metformin]; 2 months ago: [lisinopril]; 4 months ago: [lisinopril, metformin]',
      'Drugs ordered again at the next visit: usually',
    ]);
    expect(recentVisitLines(history([]))).toEqual(['Recent visits with orders: none', 'Drugs ordered again at the next visit: no earlier visits to compare']);
  });

  it("says a drug's own history after its name, and nothing for a drug never ordered", () => {
    const h = history([
      ['2021-05-01T00:00:00Z', ['lisinopril']],
      ['2021-06-02T00:00:00Z', ['lisinopril']],
    ]);
    expect(candidateHistoryText(undefined, h)).toBe('');
    expect(candidateHistoryText(facts({ visits: 0 }), h)).toBe('');
    expect(candidateHistoryText(facts({ visits: 2, inLastThree: 2, daysSinceLast: 28, renewalRate: 1, renewalPairs: 1 }), h)).toBe(
      ', ordered at the last visit, at 2 of the last 2 visits, last ordered 4 weeks ago, renewed every time',
    );
    const lapsed = facts({ orderedAtLastVisit: false, inLastThree: 0, daysSinceLast: 500, renewalRate: 0, renewalPairs: 1, supplyUntil: '2021-06-15T00:00:00Z' });
    expect(candidateHistoryText(lapsed, h)).toBe(
      ', not ordered at the last visit, at 0 of the last 2 visits, last ordered 1 year ago, never renewed, supply ended 2 weeks ago',
    );
    expect(candidateHistoryText(facts({ daysSinceLast: 10, supplyUntil: '2021-08-01T00:00:00Z' }), h)).toBe(
      ', ordered at the last visit, at 1 of the last 2 visits, last ordered 1 week ago, supply lasts past this visit',
    );
  });
});
