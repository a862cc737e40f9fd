/** The validation report's data model: what `eval --report` writes to report.json and renders to index.html.
 * Every estimate that has an interval is an `Estimate` ({"value", "ci"}); counts are plain numbers. */

export interface Estimate {
  value: number;
  /** 95% percentile bootstrap interval over patients, or Wilson for a proportion of pairs. */
  ci: [number, number];
}

/** One test visit as one method saw it: what the report needs beyond the averages. */
export interface VisitOutcome {
  patientKey: string;
  encounterKey: string;
  population: string;
  age?: number;
  sex?: string;
  /** The patient's renewal regime before the visit (src/lamo/medication-history.ts). */
  regime?: string;
  truth: string[];
  predicted: string[];
  /** Candidate → score; P(yes) for probabilistic methods. */
  scores: Map<string, number>;
}

/** Per-visit outcomes of every method, visits in the same order for each (paired bootstrap). */
export interface MethodOutcomes {
  method: string;
  /** Scores are probabilities (calibration and threshold sweep make sense). */
  probabilistic: boolean;
  /** The decision rule: candidate → threshold (P ≥ threshold → recommended); probabilistic methods only. */
  threshold?: (candidate: string) => number;
  /** Thresholds differ per candidate (the sweep then shifts every candidate's own threshold). */
  perCandidateThresholds?: boolean;
  visits: VisitOutcome[];
}

export interface MetricEstimates {
  jaccard: Estimate;
  f1: Estimate;
  prauc: Estimate;
  /** Σ predicted / Σ true drugs: 1 = the method recommends as many drugs as were ordered. */
  predTrueRatio: Estimate;
  precision: number;
  recall: number;
  avgPredicted: number;
  avgTrue: number;
}

export interface MethodSummary extends MetricEstimates {
  method: string;
  visits: number;
  patients: number;
}

export interface PairedDifference {
  method: string;
  baseline: string;
  jaccard: Estimate;
  f1: Estimate;
  /** Only when the Jaccard interval lies wholly above zero. */
  beats: boolean;
  /** Only when the Jaccard interval lies wholly below zero. */
  worse: boolean;
}

export interface PopulationSummary {
  name: string;
  visits: number;
  patients: number;
  methods: MethodSummary[];
  bestBaseline: string;
  differences: PairedDifference[];
}

/** A population's (or the whole test set's, population "all") visits of one regime, every method with intervals. */
export interface RegimeSummary extends PopulationSummary {
  population: string;
  regime: string;
  description: string;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observed: Estimate;
}

export interface Calibration {
  method: string;
  /** Visit × candidate pairs scored = Σ bin counts. */
  pairs: number;
  bins: CalibrationBin[];
  /** Expected calibration error: Σ count/pairs × |observed − mean predicted|. */
  ece: number;
  reading: string;
}

export interface SweepPoint {
  threshold: number;
  jaccard: number;
  f1: number;
  predTrueRatio: number;
}

export interface ThresholdSweep {
  method: string;
  /** "threshold" (one global threshold) or "shift" (added to each candidate's own threshold). */
  axis: 'threshold' | 'shift';
  chosen: number;
  points: SweepPoint[];
  reading: string;
}

export interface CountDistribution {
  /** method (or "true") → number of drugs per visit → visits. */
  series: { method: string; count: number; visits: number }[];
  reading: string;
}

export interface DrugStats {
  drug: string;
  support: number;
  predicted: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface PerDrug {
  method: string;
  /** Σ support = number of (visit, true drug) labels. */
  labels: number;
  drugs: DrugStats[];
  mostFrequent: string[];
  worst: string[];
  readingFrequent: string;
  readingWorst: string;
}

export interface Subgroup {
  dimension: 'age band' | 'sex' | 'population';
  name: string;
  visits: number;
  patients: number;
  methods: MethodSummary[];
}

export interface SubgroupWarning {
  method: string;
  dimension: Subgroup['dimension'];
  name: string;
  visits: number;
  jaccard: number;
  overall: number;
  text: string;
}

export interface DatasetProvenance {
  role: 'train' | 'test';
  path: string;
  patients: number;
  /** Encounters with orders (the examples). */
  visits: number;
  files: number;
  /** sha256 over the sorted relative paths and contents of the data files. */
  sha256: string;
}

export interface ModelProvenance {
  id: string;
  version: string;
  trainedOn?: string;
  trainingSplit?: string;
  trainedAt?: string;
}

export interface Provenance {
  title: string;
  date: string;
  commandLine: string;
  split: string;
  seed: number;
  bootstrapResamples: number;
  datasets: DatasetProvenance[];
  model?: ModelProvenance;
  leakage: { checked: boolean; overlap: number | null; text: string };
  tool: { name: string; version: string; charts: string };
}

export interface ValidationReport {
  provenance: Provenance;
  /** The method the plots and warnings are about: lamo when present, else the best by Jaccard. */
  primaryMethod: string;
  visits: number;
  patients: number;
  overall: PopulationSummary;
  populations: PopulationSummary[];
  /** By the patient's renewal regime before the visit: the whole test set, then each population when several.
   * Regimes without test visits are left out. Reports written before regimes existed have none. */
  regimes: RegimeSummary[];
  calibration: Calibration[];
  sweep: ThresholdSweep[];
  counts: CountDistribution;
  perDrug: PerDrug[];
  subgroups: Subgroup[];
  warnings: SubgroupWarning[];
}
