/** The reviewer's sheet: one row per rule in use, every column filled but the sign-off. */
import { loadInteractionTable } from '../../src/safety/interaction-table';
import { SHEET_COLUMNS, sheetRows, toCsv, toMarkdown } from '../../scripts/knowledge-review-sheet';

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
