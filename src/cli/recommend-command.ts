import { loadPatientRecords } from '../fhir/load';
import { createScorer } from '../inference/scorer';
import { buildEncounterPrompt } from '../lamo/prompt';
import { readPromptTemplates } from '../lamo/templates';
import { loadVocabulary } from '../medications/vocabulary';
import { DEFAULT_MODEL_DIR } from '../paths';
import { requireOption, requireSingle, UsageError, type CliOptions } from './options';

/** Strips a `Patient/` or `Encounter/` prefix so ids can be given either way. */
function bareId(id: string): string {
  return id.replace(/^.*\//, '');
}

export async function runRecommend(values: CliOptions): Promise<void> {
  const dataPath = requireSingle(values, 'data');
  const patientId = bareId(requireOption(values, 'patient'));
  const modelDir = values.model ?? DEFAULT_MODEL_DIR;
  const { records } = await loadPatientRecords(dataPath);
  const record = records.find((r) => r.patientId === patientId);
  if (!record) throw new UsageError(`patient ${patientId} not found in ${dataPath}`);
  const encounter = values.encounter
    ? record.encounters.find((e) => e.id === bareId(values.encounter!))
    : record.encounters[record.encounters.length - 1];
  if (!encounter) throw new UsageError(values.encounter ? `encounter ${values.encounter} not found for patient ${patientId}` : `patient ${patientId} has no encounters`);

  const vocabulary = loadVocabulary();
  const prompt = buildEncounterPrompt(record, encounter, readPromptTemplates(modelDir), vocabulary);
  const scorer = await createScorer(modelDir);
  try {
    const { probabilities, elapsedMs } = await scorer.score(prompt);
    const ranked = [...probabilities.entries()].sort((a, b) => b[1] - a[1]);
    const rule = scorer.thresholds;
    const ordered = new Set(
      encounter.medications.flatMap((order) => {
        const n = vocabulary.normalise(order.concept);
        return n.covered ? [n.candidate] : [];
      }),
    );
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          patient: patientId,
          encounter: encounter.id,
          date: encounter.start,
          model: `${scorer.modelId}@${scorer.modelVersion}`,
          threshold: scorer.threshold,
          candidates: ranked.map(([name, p]) => ({
            name,
            probability: p,
            threshold: rule.recommend(name),
            recommended: p >= rule.recommend(name),
            ordered: ordered.has(name),
          })),
        })}\n`,
      );
      return;
    }
    process.stdout.write(
      `patient ${patientId}, encounter ${encounter.id} (${encounter.start ?? 'no date'}), model ${scorer.modelId}@${scorer.modelVersion}, ` +
        `per-candidate thresholds (global ${scorer.threshold}), scored ${ranked.length} candidates in ${elapsedMs.toFixed(0)} ms\n`,
    );
    process.stdout.write(`${'rank'.padStart(4)}  ${'P(yes)'.padStart(6)}  rec  ordered  candidate\n`);
    ranked.slice(0, 20).forEach(([name, p], i) => {
      process.stdout.write(
        `${String(i + 1).padStart(4)}  ${p.toFixed(3).padStart(6)}  ${p >= rule.recommend(name) ? ' * ' : '   '}  ${ordered.has(name) ? '   *   ' : '       '}  ${name}\n`,
      );
    });
  } finally {
    await scorer.close();
  }
}
