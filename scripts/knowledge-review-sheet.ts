/**
 * The reviewer's sheet of the interaction knowledge: one row per rule the service uses (fhir-mappings/
 * interactions.json) — id, the drugs or classes on each side, severity (and what raises or lowers it), the
 * consequence, what to do, the patient factors, the sources, the review status and a blank sign-off column —
 * for a pharmacist to sign.
 *
 *   npm run knowledge:review-sheet                 # CSV on stdout
 *   npm run knowledge:review-sheet -- --markdown   # a Markdown table
 */
import { loadInteractionTable, sideGroups, type InteractionRule, type InteractionSide, type InteractionTable, type RiskFactor } from '../src/safety/interaction-table';

export const SHEET_COLUMNS = ['rule', 'drugs / classes (A)', 'drugs / classes (B)', 'severity', 'consequence / mechanism', 'action', 'patient factors', 'sources', 'review status', 'signed off (name, date)'] as const;

function groupText(table: InteractionTable, name: string): string {
  const group = table.groups[name];
  if (!group) return name;
  const how = group.atc?.length ? `ATC ${group.atc.join(', ')}` : group.rxnorm.length > 0 ? `${group.rxnorm.length} RxNorm products` : group.ingredients.join(', ');
  return `${group.label} (${how})`;
}

function sideText(table: InteractionTable, side: InteractionSide): string {
  const names = sideGroups(side);
  return names ? names.map((name) => groupText(table, name)).join(' or ') : 'ingredients' in side ? side.ingredients.join(', ') : '';
}

function factorText(table: InteractionTable, factor: RiskFactor): string {
  const effect = factor.raises === false ? ' (named, does not raise)' : '';
  switch (factor.kind) {
    case 'lab':
      return `${factor.text} [lab ${factor.lab}]${effect}`;
    case 'condition':
      return `${factor.text} [condition set ${table.conditionSets[factor.conditionSet]?.label ?? factor.conditionSet}]${effect}`;
    default:
      return `${factor.text}${effect}`;
  }
}

function severityText(rule: InteractionRule): string {
  const parts: string[] = [rule.severity];
  if (rule.raisedSeverity) parts.push(`${rule.raisedSeverity} with a raising factor`);
  if (rule.lowered) parts.push(`${rule.lowered.severity} with ${rule.lowered.text}`);
  for (const exception of rule.exceptions ?? []) parts.push(`${exception.severity} when ${exception.text}`);
  return parts.join('; ');
}

/** The sheet's rows, in table order (PDDI-CDS, reviewed, any bare ONC pairs). */
export function sheetRows(table: InteractionTable): string[][] {
  return table.interactions.map((rule) => {
    const third = rule.third ? ` + ${rule.third.text} (${groupText(table, rule.third.group)})` : '';
    const factors = [
      ...(rule.riskFactors ?? []).map((factor) => factorText(table, factor)),
      ...(rule.mitigatingFactors ?? []).map((factor) => `lowers: ${factor.text}`),
      ...(rule.labs ?? []).map((lab) => `reads lab ${lab}`),
    ];
    const sources = (rule.sources ?? [rule.source]).map((id) => table.sources[id] ?? table.citations?.[id] ?? id);
    return [
      `${rule.id}${rule.title ? `: ${rule.title}` : ''}`,
      sideText(table, rule.a),
      `${sideText(table, rule.b)}${third}`,
      severityText(rule),
      rule.consequence,
      rule.action ?? '',
      factors.join('; '),
      sources.join(' | '),
      rule.review ?? 'pending clinical review',
      '',
    ];
  });
}

/** RFC 4180 CSV. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  const cell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return `${rows.map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

export function toMarkdown(rows: readonly (readonly string[])[], table: InteractionTable): string {
  const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const [header, ...body] = rows;
  return [
    '# Drug-drug interaction rules: reviewer\'s sheet',
    '',
    `${body.length} rules from fhir-mappings/interactions.json. Sign each row when reviewed; change a rule in fhir-mappings/interaction-knowledge.json and rebuild.`,
    '',
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...body.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    `Sources: ${Object.keys(table.sources).length} cited works, listed in the table's "sources".`,
    '',
  ].join('\n');
}

function main(): void {
  const table = loadInteractionTable();
  const rows = [[...SHEET_COLUMNS], ...sheetRows(table)];
  process.stdout.write(process.argv.includes('--markdown') ? toMarkdown(rows, table) : toCsv(rows));
}

if (require.main === module) main();
