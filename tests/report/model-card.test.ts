/** MODEL_CARD.md's numbers come from the committed reports: this fails when they drift apart. */
import { readFileSync } from 'fs';
import * as path from 'path';
import { committedReports, expectedFiles } from '../../scripts/report-model-card';
import { DEFAULT_MODEL_DIR } from '../../src/paths';
import { CARD_BEGIN, CARD_END, replaceGenerated } from '../../src/report/model-card';

describe('model card tables from committed reports', () => {
  it('MODEL_CARD.md and model/reports/index.html are what the reports give (npm run report:model-card)', () => {
    for (const { file, text } of expectedFiles()) expect({ file, text: readFileSync(file, 'utf8') }).toEqual({ file, text });
  });

  it('has the shipped model’s reports, made with the shipped model version', () => {
    const manifest = JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'lamo.json'), 'utf8')) as { id: string; version: string };
    const reports = committedReports();
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const shipped = reports.filter(({ report }) => / --model model( |$)/.test(report.provenance.commandLine));
    expect(shipped.length).toBeGreaterThanOrEqual(2);
    for (const { name, report } of shipped) {
      expect({ name, model: report.provenance.model }).toMatchObject({ name, model: { id: manifest.id, version: manifest.version } });
    }
  });

  it('replaces only the generated block and keeps the prose around it', () => {
    const card = `# Card\nprose before\n${CARD_BEGIN}\nold numbers\n${CARD_END}\nprose after\n`;
    expect(replaceGenerated(card, `${CARD_BEGIN}\nnew\n${CARD_END}`)).toBe(`# Card\nprose before\n${CARD_BEGIN}\nnew\n${CARD_END}\nprose after\n`);
    expect(replaceGenerated('# Card\n', 'X')).toBe('# Card\n\n## Validation reports (generated)\n\nX\n');
  });
});
