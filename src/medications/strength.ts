/**
 * The strength of one ingredient per unit, as the product text states it ("Doxepin 6 MG Oral Tablet" → 6).
 * Rules whose source sets a dose limit (Beers' doxepin ≤ 6 mg, simvastatin ≤ 20 mg with amlodipine) read it;
 * a product text without a strength in mg gives undefined, and the rule then keeps its default.
 */
const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function strengthMg(text: string, ingredient: string): number | undefined {
  const match = new RegExp(`${escape(ingredient)}[a-z ]*?\\s(\\d+(?:\\.\\d+)?)\\s*MG(?![/a-z])`, 'i').exec(text);
  return match ? Number(match[1]) : undefined;
}
