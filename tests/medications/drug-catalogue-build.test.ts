/** The committed drug catalogue is what its build script makes from ../shared and the reviewed inputs. */
import { readFileSync } from 'fs';
import { buildDrugCatalogue, collectDataProducts, formatCatalogue, loadCatalogueReview, valueSetProducts } from '../../scripts/build-drug-catalogue';
import { loadAtcReview, loadWhoAtc } from '../../scripts/build-atc-table';
import { DEFAULT_DRUG_CATALOGUE_FILE } from '../../src/medications/drug-catalogue';
import { loadNameTables } from '../../src/medications/vocabulary';

test('rebuilding fhir-mappings/drug-catalogue.json reproduces the committed file, without problems', async () => {
  const products = await collectDataProducts();
  for (const [code, product] of valueSetProducts()) if (!products.has(code)) products.set(code, product);
  const { file, problems } = buildDrugCatalogue(products, loadWhoAtc(), loadAtcReview(), loadCatalogueReview(), loadNameTables());
  expect(problems).toEqual([]);
  expect(formatCatalogue(file)).toBe(readFileSync(DEFAULT_DRUG_CATALOGUE_FILE, 'utf8'));
});

test('a review naming an unknown ingredient is a problem, not a guess', async () => {
  const review = loadCatalogueReview();
  const broken = { ...review, synonyms: { ...review.synonyms, 'made-up name': 'no such drug' } };
  const { problems } = buildDrugCatalogue(new Map(), loadWhoAtc(), loadAtcReview(), broken, loadNameTables());
  expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/synonym "made-up name" points at "no such drug"/)]));
});
