/**
 * The reviewer's sheet of the interaction knowledge: one row per rule the service uses (fhir-mappings/
 * interactions.json) — id, the drugs or classes on each side, severity (and what raises or lowers it), the
 * consequence, what to do, the patient factors, the sources, the review status and a blank sign-off column —
 * for a pharmacist to sign.
 *
 * With --older-adults, the sheet of the older-adult rules instead (fhir-mappings/older-adults.json, AGS Beers 2023);
 * with --contraindications, the drug-disease rules (fhir-mappings/contraindications.json).
 *
 *   npm run knowledge:review-sheet                 # CSV on stdout
 *   npm run knowledge:review-sheet -- --markdown   # a Markdown table
 *   npm run knowledge:review-sheet -- --older-adults [--markdown]
 *   npm run knowledge:review-sheet -- --contraindications [--markdown]
 */
import { loadContraindications, type ContraindicationRule, type ContraindicationTable } from '../src/safety/contraindications';
import { loadOlderAdults, type OlderAdultTable } from '../src/safety/older-adults';
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

/** A Markdown sheet: title, how to sign and change, the table, the number of cited works. */
function markdownSheet(rows: readonly (readonly string[])[], title: string, intro: string, sources: number): string {
  const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const [header, ...body] = rows;
  return [
    `# ${title}: reviewer's sheet`,
    '',
    `${body.length} ${intro}`,
    '',
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...body.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    `Sources: ${sources} cited works, listed in the table's "sources".`,
    '',
  ].join('\n');
}

export function toMarkdown(rows: readonly (readonly string[])[], table: InteractionTable): string {
  const intro = 'rules from fhir-mappings/interactions.json. Sign each row when reviewed; change a rule in fhir-mappings/interaction-knowledge.json and rebuild.';
  return markdownSheet(rows, 'Drug-drug interaction rules', intro, Object.keys(table.sources).length);
}

export function olderAdultMarkdown(rows: readonly (readonly string[])[], table: OlderAdultTable): string {
  const intro = 'rules from fhir-mappings/older-adults.json (AGS Beers Criteria 2023, Table 2). Sign each row when reviewed; change a rule in that file.';
  return markdownSheet(rows, 'Older-adult rules', intro, Object.keys(table.file.sources).length);
}

export const OLDER_ADULT_COLUMNS = [
  'rule',
  'drugs (ATC; by name)',
  'AGS Beers 2023 entry',
  'recommendation (strength, quality of evidence)',
  'severity',
  'not concerned',
  'advice',
  'rationale',
  'sources',
  'review status',
  'signed off (name, date)',
] as const;

/** One row per older-adult rule, for a geriatric pharmacist to sign. */
export function olderAdultSheetRows(table: OlderAdultTable): string[][] {
  return table.file.rules.map((rule) => {
    const drugs = rule.drugs;
    const named = [...(drugs.ingredients ?? []), ...(drugs.uncodedIngredients ?? [])];
    const severity = rule.longTermOnly
      ? 'long-term use only: info for a continued or active drug; nothing for a new draft'
      : `${rule.severity} for a new draft; info for a continued or active drug`;
    const exempt = [
      ...(rule.unlessConditionGroups ?? []).map((group) => `with ${table.groups.groups[group]?.label ?? group}`),
      ...(drugs.exceptWhenTextHas ?? []).map((word) => `products named "${word}"`),
      ...(drugs.release ? [`other than ${drugs.release} products`] : []),
      ...(rule.lowDoseExempt ? [`${rule.lowDoseExempt.ingredient} at or below ${rule.lowDoseExempt.atOrBelowMg} mg`] : []),
    ];
    return [
      rule.id,
      `${drugs.label} (${[...(drugs.atcPrefixes ?? []).map((code) => `ATC ${code}`), ...named].join(', ')})`,
      `Table ${rule.beers.table}: ${rule.beers.entry}`,
      `${rule.beers.recommendation} (${rule.beers.strength}${rule.beers.quality ? `, ${rule.beers.quality}` : ''})`,
      severity,
      exempt.join('; '),
      rule.advice,
      rule.rationale,
      rule.sources.map((id) => table.file.sources[id] ?? id).join(' | '),
      rule.review,
      '',
    ];
  });
}

export const CONTRAINDICATION_COLUMNS = ['rule', 'drugs (by name; ATC)', 'met by', 'severity (source words)', 'advice', 'rationale', 'sources', 'review status', 'signed off (name, date)'] as const;

/** What meets a drug-disease rule: its condition group (current or past), the lab result that also does, the age, or
 * the absence of a class from the record. */
function metBy(rule: ContraindicationRule, table: ContraindicationTable): string {
  if (rule.ageBelow !== undefined) return `age under ${rule.ageBelow} years`;
  if (rule.unlessTaking) return `${rule.unlessTaking.absent} (ATC ${rule.unlessTaking.atcPrefixes.join(', ')}): ${rule.unlessTaking.about}`;
  const group = rule.conditionGroup ? (table.groups.groups[rule.conditionGroup]?.label ?? rule.conditionGroup) : '';
  const when = rule.when === 'history' ? 'current or past' : 'current';
  const lab = rule.lab ? `; or the latest ${rule.lab.kind} ${rule.lab.below !== undefined ? `below ${rule.lab.below}` : `above ${String(rule.lab.above)}`}` : '';
  return `${group} (${when} condition)${lab}`;
}

/** One row per drug-disease rule, for a pharmacist to sign. */
export function contraindicationSheetRows(table: ContraindicationTable): string[][] {
  return table.rules.rules.map((rule) => [
    rule.id,
    `${rule.drugs.label} (${[...(rule.drugs.ingredients ?? []), ...(rule.drugs.atcPrefixes ?? []).map((code) => `ATC ${code}`)].join(', ')}${rule.drugs.textHas ? `; products named ${rule.drugs.textHas.map((word) => `"${word}"`).join(' or ')}` : ''})`,
    metBy(rule, table),
    `${rule.severity} (${rule.strength})`,
    rule.advice,
    rule.rationale,
    rule.sources.map((id) => table.rules.sources[id] ?? id).join(' | '),
    rule.review,
    '',
  ]);
}

export function contraindicationMarkdown(rows: readonly (readonly string[])[], table: ContraindicationTable): string {
  const intro = 'rules from fhir-mappings/contraindications.json. Sign each row when reviewed; change a rule in that file.';
  return markdownSheet(rows, 'Drug-disease rules', intro, Object.keys(table.rules.sources).length);
}

function main(): void {
  const markdown = process.argv.includes('--markdown');
  if (process.argv.includes('--contraindications')) {
    const table = loadContraindications();
    const rows = [[...CONTRAINDICATION_COLUMNS], ...contraindicationSheetRows(table)];
    process.stdout.write(markdown ? contraindicationMarkdown(rows, table) : toCsv(rows));
    return;
  }
  if (process.argv.includes('--older-adults')) {
    const table = loadOlderAdults();
    const rows = [[...OLDER_ADULT_COLUMNS], ...olderAdultSheetRows(table)];
    process.stdout.write(markdown ? olderAdultMarkdown(rows, table) : toCsv(rows));
    return;
  }
  const table = loadInteractionTable();
  const rows = [[...SHEET_COLUMNS], ...sheetRows(table)];
  process.stdout.write(markdown ? toMarkdown(rows, table) : toCsv(rows));
}

if (require.main === module) main();
