/** A hospital's overrides file: its shape checked at start, every id checked against the tables, and how a
 * changed or switched-off rule reaches the findings; the knowledge version changes with the tables and the file. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createSafetyChecks, loadSafetyTables, safetyRuleIds } from '../../src/cds/safety-checks';
import { FHIR_MAPPINGS_DIR } from '../../src/paths';
import { knowledgeVersion } from '../../src/safety/knowledge-version';
import { checkOverrideIds, LocalOverrides, OverridesError, parseOverrides } from '../../src/safety/overrides';
import { active, candidate, draft, knowledge } from './helpers';

const tables = loadSafetyTables();
const ids = safetyRuleIds(tables);

describe('parseOverrides', () => {
  test.each([
    ['not JSON', '{ rules: ', /not valid JSON/],
    ['an unknown field', '{"rulez": []}', /unknown field rulez/],
    ['an unknown kind', '{"rules": [{"kind": "dose", "id": "x", "severity": "off", "reason": "r"}]}', /kind must be one of/],
    ['a bad severity', '{"rules": [{"kind": "duplicate", "id": "statins", "severity": "low", "reason": "r"}]}', /severity must be one of critical, warning, info, off/],
    ['no reason', '{"rules": [{"kind": "duplicate", "id": "statins", "severity": "off"}]}', /a reason is required/],
    ['a rule twice', '{"rules": [{"kind": "duplicate", "id": "statins", "severity": "off", "reason": "r"}, {"kind": "duplicate", "id": "statins", "severity": "info", "reason": "r"}]}', /overridden twice/],
    ['a suggestion without a reason', '{"suggestions": [{"candidate": "meperidine"}]}', /suggestions\[0\]/],
  ])('%s → a clear error naming the file', (_what, text, message) => {
    expect(() => parseOverrides(text, 'local.json')).toThrow(OverridesError);
    expect(() => parseOverrides(text, 'local.json')).toThrow(message);
  });

  test('a good file', () => {
    const parsed = parseOverrides('{"description": "P&T 2026-04", "rules": [{"kind": "contraindication", "id": "nsaids-ckd", "severity": "critical", "reason": "renal unit"}], "suggestions": [{"candidate": "meperidine", "reason": "not on formulary"}]}', 'l.json');
    expect(parsed.rules).toHaveLength(1);
    expect(parsed.suggestions[0].candidate).toBe('meperidine');
  });
});

test('every id must name a rule of the loaded tables, every candidate a known drug', () => {
  const drugs = new Set(['meperidine']);
  const ok = parseOverrides('{"rules": [{"kind": "allergy", "id": "penicillins-to-cephalosporins", "severity": "info", "reason": "r"}, {"kind": "duplicate", "id": "renewal-of-active", "severity": "off", "reason": "r"}]}', 'l.json');
  expect(() => checkOverrideIds(ok, ids, drugs, 'l.json')).not.toThrow();
  const typo = parseOverrides('{"rules": [{"kind": "contraindication", "id": "nsaid-ckd", "severity": "off", "reason": "r"}]}', 'l.json');
  expect(() => checkOverrideIds(typo, ids, drugs, 'l.json')).toThrow('l.json: no contraindication rule "nsaid-ckd" in the knowledge tables');
  const unknownDrug = parseOverrides('{"suggestions": [{"candidate": "unobtainium", "reason": "r"}]}', 'l.json');
  expect(() => checkOverrideIds(unknownDrug, ids, drugs, 'l.json')).toThrow(/"unobtainium" is not a drug/);
});

describe('applied by the safety checks', () => {
  const statins = [active('Simvastatin 20 MG Oral Tablet', '312961'), draft('Atorvastatin 80 MG Oral Tablet', '259255')];
  const checksWith = (text: string) => createSafetyChecks(knowledge, tables, new LocalOverrides(parseOverrides(text, 'l.json')));

  test('lowered: the finding carries the new severity and where it came from', () => {
    const [finding] = checksWith('{"rules": [{"kind": "duplicate", "id": "statins", "severity": "info", "reason": "statin switch clinic"}]}').duplicates(statins, 'order');
    expect(finding).toMatchObject({ severity: 'info', override: { from: 'warning', reason: 'statin switch clinic' } });
  });

  test('raised', () => {
    const [finding] = checksWith('{"rules": [{"kind": "duplicate", "id": "statins", "severity": "critical", "reason": "r"}]}').duplicates(statins, 'order');
    expect(finding).toMatchObject({ severity: 'critical', override: { from: 'warning' } });
  });

  test('switched off: no finding; other rules untouched', () => {
    const checks = checksWith('{"rules": [{"kind": "duplicate", "id": "statins", "severity": "off", "reason": "r"}]}');
    expect(checks.duplicates(statins, 'order')).toEqual([]);
    expect(checks.duplicates([candidate('ibuprofen', 'active'), candidate('naproxen')], 'order')).toHaveLength(1);
  });

  test('a suggestion switched off is never suggested, with the hospital reason', () => {
    const checks = checksWith('{"suggestions": [{"candidate": "amoxicillin", "reason": "local resistance: use penicillin V"}]}');
    expect(checks.suggestionSetting('amoxicillin', 'outpatient')).toEqual({ allowed: false, reason: 'switched off at this hospital: local resistance: use penicillin V' });
    expect(checks.suggestionSetting('penicillin v', 'outpatient').allowed).toBe(true);
  });
});

describe('knowledge version', () => {
  test('one string over every table, changed by any table and by the overrides file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-'));
    try {
      for (const name of fs.readdirSync(FHIR_MAPPINGS_DIR).filter((n) => n.endsWith('.json'))) fs.copyFileSync(path.join(FHIR_MAPPINGS_DIR, name), path.join(dir, name));
      const shipped = knowledgeVersion(undefined, FHIR_MAPPINGS_DIR);
      expect(shipped.version).toMatch(/^kb-[0-9a-f]{12}$/);
      expect(knowledgeVersion(undefined, dir).version).toBe(shipped.version);
      expect(shipped.files.map((f) => f.file)).toContain('fhir-mappings/duplicate-therapy.json');
      const local = knowledgeVersion({ file: 'l.json', text: '{"rules": []}' }, dir);
      expect(local.version).toMatch(new RegExp(`^${shipped.version}\\+local-[0-9a-f]{8}$`));
      expect(knowledgeVersion({ file: 'l.json', text: '{"rules": [ ]}' }, dir).version).not.toBe(local.version);
      fs.appendFileSync(path.join(dir, 'contraindications.json'), ' ');
      expect(knowledgeVersion(undefined, dir).version).not.toBe(shipped.version);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
