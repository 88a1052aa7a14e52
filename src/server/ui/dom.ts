// Building the pages' elements. Every string becomes text (a text node or textContent), never
// markup: a record's name, a finding or a worker's host can hold "<script>" and must show as such.

type Child = Node | string | null | undefined;

/** The one element the selector names; an error naming it when the page has none (a page and the script out of step). */
export function $<E extends Element = HTMLElement>(selector: string): E {
  const e = document.querySelector<E>(selector);
  if (e === null) throw new Error(`the page has no ${selector}`);
  return e;
}

/**
 * An element with attributes and children. The attribute "text" sets its textContent and "class"
 * its className; strings among the children become text nodes; null and undefined are skipped.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}
