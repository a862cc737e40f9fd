/** Small DOM helpers: every text from the record goes in through textContent, never as HTML. */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) if (child !== undefined) node.append(child);
  return node;
}

/** A list of texts, or "none found" when there is none. */
export function list(items: readonly (Node | string)[], none: string): HTMLElement {
  if (items.length === 0) return el('p', { class: 'none' }, none);
  return el('ul', { class: 'plain' }, ...items.map((item) => el('li', {}, item)));
}

export function showError(error: unknown): void {
  const main = document.getElementById('main');
  const status = document.getElementById('status');
  const message = error instanceof Error ? error.message : String(error);
  if (status) {
    status.textContent = message;
    status.className = 'error';
  }
  main?.setAttribute('aria-busy', 'false');
  document.body.dataset.state = 'error';
}

export const percent = (p: number): string => `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;
