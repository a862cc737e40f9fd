/** Records what each method answered for each test visit while `evaluate` runs, without changing it. */
import type { EncounterExample } from '../dataset/examples';
import type { Recommendation, Recommender } from '../eval/recommender';
import type { MethodOutcomes, VisitOutcome } from './types';

export class RecordingRecommender implements Recommender {
  private readonly answers = new Map<EncounterExample, Recommendation>();

  constructor(readonly inner: Recommender) {}

  get method(): string {
    return this.inner.method;
  }

  fit(train: EncounterExample[], validation: EncounterExample[]): void | Promise<void> {
    return this.inner.fit(train, validation);
  }

  async recommend(example: EncounterExample): Promise<Recommendation> {
    const answer = await this.inner.recommend(example);
    this.answers.set(example, answer);
    return answer;
  }

  /** The recorded answers in `test` order (the same order for every method: paired comparisons). */
  outcomes(test: EncounterExample[], populationOf: (example: EncounterExample) => string, decision: Omit<MethodOutcomes, 'method' | 'visits'>): MethodOutcomes {
    const visits: VisitOutcome[] = test.map((example) => {
      const answer = this.answers.get(example);
      if (!answer) throw new Error(`report: ${this.method} has no answer for a test visit`);
      return {
        patientKey: example.patientKey,
        encounterKey: example.encounterKey,
        population: populationOf(example),
        age: example.demographics?.age,
        sex: example.demographics?.sex,
        truth: example.labels,
        predicted: [...answer.predicted],
        scores: answer.scores,
      };
    });
    return { method: this.method, ...decision, visits };
  }
}
