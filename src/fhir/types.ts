/**
 * The typed patient record every later stage reads: built once from FHIR input (bundles, bulk NDJSON,
 * a list of resources, CDS Hooks prefetch) by `assembleRecords` / `assembleRecord`.
 * Dates are ISO-8601 strings as FHIR gives them; comparisons use `Date.parse`.
 */
import type { MedicationRequest } from 'fhir/r4';

/** One clinical concept, reduced from a CodeableConcept: the preferred coding (SNOMED CT, ICD-10-CM,
 * RxNorm first) and a display that is never empty (coding.display, else CodeableConcept.text, else code). */
export interface Concept {
  system?: string;
  code?: string;
  display: string;
  /** Every coding the source carried, for lookups by code (e.g. all RxNorm codes of a drug). */
  codings: { system?: string; code?: string; display?: string }[];
}

export interface ConditionEntry {
  id: string;
  concept: Concept;
  /** 'active' | 'resolved' | 'inactive' | ... (R4 CodeableConcept or STU3 string, normalised to the code). */
  clinicalStatus?: string;
  onset?: string;
  abatement?: string;
  /** Ended at an unknown time (STU3 abatementBoolean, abatementString, …): active nowhere but where diagnosed. */
  abatedAtUnknownTime?: true;
  recorded?: string;
  encounterId?: string;
}

export interface ProcedureEntry {
  id: string;
  concept: Concept;
  date?: string;
  status?: string;
  encounterId?: string;
}

export interface NoteEntry {
  id: string;
  type?: Concept;
  date?: string;
  /** Plain text: decoded from base64 `attachment.data` or a Binary, HTML reduced to text, charset honoured. */
  text: string;
  encounterId?: string;
}

export interface AllergyEntry {
  id: string;
  concept: Concept;
  clinicalStatus?: string;
  verificationStatus?: string;
  category?: string[];
  criticality?: string;
  onset?: string;
  recorded?: string;
}

/** A laboratory value the safety checks read (fhir-mappings/lab-codes.json), in its kind's canonical unit. */
export interface LabResult {
  /** The Observation's id. */
  id: string;
  /** "egfr", "creatinine", "potassium", "inr", … (the lab table's kinds). */
  kind: string;
  loinc: string;
  value: number;
  unit: string;
  /** effectiveDateTime (or effectivePeriod.start, or issued). */
  date?: string;
}

export interface MedicationOrder {
  id: string;
  /** The drug as ordered (medicationCodeableConcept, or the referenced/contained Medication's code). */
  concept: Concept;
  status?: string;
  intent?: string;
  authoredOn?: string;
  encounterId?: string;
  /** Ids of Conditions given as reasonReference, and reason codes. */
  reasonConditionIds: string[];
  reasonConcepts: Concept[];
  /** The source resource, kept for card building (e.g. `delete` actions need its id). */
  resource: MedicationRequest;
}

export interface EncounterView {
  id: string;
  start?: string;
  end?: string;
  status?: string;
  /** v3 ActCode: AMB, EMER, IMP, ... */
  classCode?: string;
  /** Name of the organization responsible for the encounter (Encounter.serviceProvider), when in the input. */
  serviceProvider?: string;
  types: Concept[];
  reasons: Concept[];
  /** Conditions whose `encounter` is this encounter. */
  diagnosed: ConditionEntry[];
  /** Conditions active at the encounter start (onset ≤ start, not abated before it), incl. diagnosed. */
  activeConditions: ConditionEntry[];
  procedures: ProcedureEntry[];
  notes: NoteEntry[];
  /** Medication orders written in this encounter (the LAMO label set comes from these). */
  medications: MedicationOrder[];
}

export interface PatientRecord {
  patientId: string;
  /** Given and family name parts, kept only so that prompts can redact them from note text. */
  nameParts?: string[];
  birthDate?: string;
  gender?: string;
  deceased?: boolean;
  /** In time order (start ascending; encounters without a start last). */
  encounters: EncounterView[];
  conditions: ConditionEntry[];
  procedures: ProcedureEntry[];
  notes: NoteEntry[];
  allergies: AllergyEntry[];
  medications: MedicationOrder[];
  /** Laboratory results the safety checks read (only the lab table's LOINC codes are kept), in input order. */
  labs?: LabResult[];
}

/** A problem met while loading input: the file and resource it concerns and what was wrong. */
export interface LoadIssue {
  severity: 'error' | 'warning';
  file?: string;
  resourceType?: string;
  resourceId?: string;
  message: string;
}

export interface LoadSummary {
  files: number;
  resources: number;
  /** Resource counts by type, as read (before assembly). */
  byType: Record<string, number>;
  skipped: number;
  /** References to a resource the input should hold but does not (dangling), as followed by record assembly. */
  unresolvedReferences: number;
  /**
   * References that point outside the input by design (an absolute URL on another server, a conditional
   * reference nothing in the input matches): counted, not errors.
   */
  externalReferences: number;
  /** Resources with neither id nor fullUrl, kept under a stable synthetic id (see ResourceCollector). */
  syntheticIds?: number;
  /**
   * Fields dropped because they did not have their FHIR shape (an object where an array belongs, ...), by
   * `ResourceType.field.path`. The resource itself is kept.
   */
  malformedFields?: Record<string, number>;
  issues: LoadIssue[];
  /** Issues beyond the kept maximum (a very broken input must not grow the summary without bound). */
  issuesOmitted?: number;
  /** Resources read but not needed for PatientRecords (Claim, Observations other than the lab table's, ...), dropped after parsing. */
  dropped?: number;
  /** Patient records assembled. */
  patients?: number;
  /** Wall-clock time of the load (and assembly, for `loadPatientRecords`). */
  elapsedMs?: number;
  /** Highest resident set size sampled while loading, in MiB. */
  peakRssMb?: number;
}
