/** The reviewer's sheet: one row per rule in use, every column filled but the sign-off. */
import { loadInteractionTable } from '../../src/safety/interaction-table';
import { loadOlderAdults } from '../../src/safety/older-adults';
import {
  CONTRAINDICATION_COLUMNS,
  contraindicationMarkdown,
  contraindicationSheetRows,
  OLDER_ADULT_COLUMNS,
  olderAdultMarkdown,
  olderAdultSheetRows,
  SHEET_COLUMNS,
  sheetRows,
  toCsv,
  toMarkdown,
} from '../../scripts/knowledge-review-sheet';
import { loadContraindications } from '../../src/safety/contraindications';

const table = loadInteractionTable();
const rows = sheetRows(table);

test('one row per rule, each with drugs, severity, consequence, action, sources, review status and a blank sign-off', () => {
  expect(rows).toHaveLength(table.interactions.length);
  for (const row of rows) {
    expect(row).toHaveLength(SHEET_COLUMNS.length);
    const [rule, a, b, severity, consequence, action, , sources, review, signOff] = row;
    for (const value of [rule, a, b, severity, consequence, action, sources, review]) expect(value.length).toBeGreaterThan(0);
    expect(signOff).toBe('');
  }
  const opioidBenzo = rows.find((row) => row[0].startsWith('opioid-benzodiazepine:'));
  expect(opioidBenzo?.[1]).toMatch(/opioids \(ATC N02A/);
  expect(opioidBenzo?.[3]).toBe('warning; critical with a raising factor');
  expect(opioidBenzo?.[7]).toMatch(/Beers/);
});

test('CSV quotes cells with commas and quotes; Markdown escapes pipes', () => {
  expect(toCsv([['a,b', 'say "x"', 'plain']])).toBe('"a,b","say ""x""",plain\n');
  const markdown = toMarkdown([[...SHEET_COLUMNS], ['r|1', 'x', 'y', 'warning', 'c', 'd', 'e', 'f', 'g', '']], table);
  expect(markdown).toContain('| r\\|1 | x | y |');
});

test('the older-adult sheet (--older-adults): one row per AGS Beers rule, every column filled but the sign-off', () => {
  const older = loadOlderAdults();
  const beers = olderAdultSheetRows(older);
  expect(beers).toHaveLength(older.file.rules.length);
  for (const row of beers) {
    expect(row).toHaveLength(OLDER_ADULT_COLUMNS.length);
    const [rule, drugs, entry, recommendation, severity, , advice, rationale, sources, review, signOff] = row;
    for (const value of [rule, drugs, entry, recommendation, severity, advice, rationale, sources, review]) expect(value.length).toBeGreaterThan(0);
    expect(sources).toMatch(/American Geriatrics Society/);
    expect(signOff).toBe('');
  }
  const benzodiazepines = beers.find((row) => row[0] === 'benzodiazepines');
  expect(benzodiazepines?.[4]).toBe('warning for a new draft; info for a continued or active drug');
  expect(benzodiazepines?.[5]).toMatch(/seizure/);
  expect(beers.find((row) => row[0] === 'nsaids-chronic')?.[4]).toMatch(/^long-term use only/);
  expect(olderAdultMarkdown([[...OLDER_ADULT_COLUMNS], ...beers], older)).toMatch(/^# Older-adult rules: reviewer's sheet/);
});

test('the drug-disease sheet (--contraindications): one row per rule, saying what meets it (condition, lab or age)', () => {
  const table = loadContraindications();
  const rows = contraindicationSheetRows(table);
  expect(rows).toHaveLength(table.rules.rules.length);
  for (const row of rows) {
    expect(row).toHaveLength(CONTRAINDICATION_COLUMNS.length);
    expect(row.slice(0, -1).every((cell) => cell.trim() !== '')).toBe(true);
    expect(row[row.length - 1]).toBe('');
  }
  const byId = new Map(rows.map((row) => [row[0], row]));
  expect(byId.get('metformin-severe-ckd')?.[2]).toBe('chronic kidney disease stage 4 to 5 or end-stage (eGFR < 30) (current condition); or the latest egfr below 30');
  expect(byId.get('codeine-children')?.[2]).toBe('age under 12 years');
  expect(byId.get('fentanyl-patch-opioid-naive')?.[2]).toBe('no opioid now or in the past 30 days (ATC N02A, N07BC, R05DA): opioid-non-tolerant patients');
  expect(byId.get('fentanyl-patch-opioid-naive')?.[1]).toBe('transdermal fentanyl (fentanyl; products named "transdermal")');
  expect(byId.get('triptans-ischaemic-heart-disease')?.[3]).toBe('critical (contraindicated)');
  expect(contraindicationMarkdown([[...CONTRAINDICATION_COLUMNS], ...rows], table)).toMatch(new RegExp(`^# Drug-disease rules: reviewer's sheet\n\n${table.rules.rules.length} rules`));
});
