/**
 * Splits a clinical note into the sections LAMO summarises, by header. Two header styles occur in real
 * data: Markdown-like (Synthea: "# History of Present Illness") and MIMIC-style upper-case lines
 * ("HISTORY OF PRESENT ILLNESS:" possibly followed by text on the same line).
 */

export type SectionName =
  | 'chiefComplaint'
  | 'historyOfPresentIllness'
  | 'pastMedicalHistory'
  | 'allergies'
  | 'medicationsOnAdmission'
  /** Sections that describe what was decided in this encounter: never put into a prompt (label leakage). */
  | 'plan'
  | 'dischargeMedications'
  | 'other';

export type NoteSections = Partial<Record<SectionName, string>>;

/** Header text (lower-case, no trailing colon) → section. Anything unlisted is 'other'. */
const HEADER_SECTIONS: Record<string, SectionName> = {
  'chief complaint': 'chiefComplaint',
  cc: 'chiefComplaint',
  'reason for visit': 'chiefComplaint',
  'history of present illness': 'historyOfPresentIllness',
  hpi: 'historyOfPresentIllness',
  'past medical history': 'pastMedicalHistory',
  pmh: 'pastMedicalHistory',
  allergies: 'allergies',
  allergy: 'allergies',
  medications: 'medicationsOnAdmission',
  'medications on admission': 'medicationsOnAdmission',
  'admission medications': 'medicationsOnAdmission',
  'home medications': 'medicationsOnAdmission',
  'assessment and plan': 'plan',
  plan: 'plan',
  'discharge medications': 'dischargeMedications',
  'discharge instructions': 'plan',
  'brief hospital course': 'plan',
};

const MARKDOWN_HEADER = /^#{1,6}\s+(.+?)\s*$/;
/** Upper-case words then a colon at line start; the rest of the line is section text. */
const MIMIC_HEADER = /^([A-Z][A-Z &/()-]{2,60}):\s*(.*)$/;

function sectionOf(header: string): SectionName {
  const key = header.toLowerCase().replace(/[:\s]+$/, '').replace(/\s+/g, ' ').trim();
  return HEADER_SECTIONS[key] ?? 'other';
}

export function splitNoteSections(text: string): NoteSections {
  const sections: NoteSections = {};
  let current: SectionName | undefined;
  // A '## Plan' under '# Assessment and Plan' stays in plan: sub-headers of an excluded section must not
  // reopen an included one, so sub-headers inherit unless they name a known section themselves.
  const append = (name: SectionName, line: string) => {
    sections[name] = sections[name] === undefined ? line : `${sections[name]}\n${line}`;
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const markdown = MARKDOWN_HEADER.exec(rawLine);
    const mimic = markdown ? null : MIMIC_HEADER.exec(rawLine);
    if (markdown) {
      const name = sectionOf(markdown[1]);
      const isSubHeader = rawLine.startsWith('##');
      current = isSubHeader && name === 'other' && current !== undefined ? current : name;
      continue;
    }
    if (mimic) {
      current = sectionOf(mimic[1]);
      if (mimic[2]) append(current, mimic[2]);
      continue;
    }
    if (current !== undefined) append(current, rawLine);
  }
  for (const key of Object.keys(sections) as SectionName[]) {
    // Keep line structure (medication lists may be one per line); drop blank lines and edge spaces.
    const cleaned = (sections[key] ?? '')
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' ').trim())
      .filter((line) => line.length > 0)
      .join('\n');
    if (cleaned) sections[key] = cleaned;
    else delete sections[key];
  }
  return sections;
}

/** Splits a medication list section ("a; b" or one per line / bullets) into items. */
export function splitMedicationList(section: string): string[] {
  return section
    .split(/;|\n/)
    .map((item) => item.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '').trim())
    .filter((item) => item.length > 0 && !/^(none|no known|no active|no current|n\/a)\b/i.test(item));
}
