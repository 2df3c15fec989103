/**
 * The few DOM types the page's script uses. The project type-checks against Node's types only (adding the DOM
 * library would change every other file's globals), so the page names what it touches here.
 */

export interface El {
  textContent: string | null;
  hidden: boolean;
  className: string;
  title: string;
  readonly dataset: Record<string, string | undefined>;
  append(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: () => void): void;
  scrollIntoView?(): void;
}

export interface InputEl extends El {
  value: string;
  disabled: boolean;
  readonly files: ArrayLike<Blob & { readonly name: string }> | null;
}

export interface ImgEl extends El {
  src: string;
  alt: string;
}

interface Doc {
  getElementById(id: string): El | null;
  createElement(tag: string): El;
}

const doc = (): Doc => (globalThis as unknown as { document: Doc }).document;

export function byId<T extends El = El>(id: string): T {
  const element = doc().getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** An element with text or children; attributes set through setAttribute (no innerHTML: file content is never markup). */
export function h(tag: string, attributes: Record<string, string> = {}, ...children: (El | string | null)[]): El {
  const element = doc().createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children.filter((c): c is El | string => c !== null));
  return element;
}
