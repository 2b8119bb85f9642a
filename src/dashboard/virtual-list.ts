import type { ViewItem } from "./stack-view.ts";

/** How a list makes and fills the element of one item; `versionOf` changes whenever the element must be filled again. */
export interface RowRenderer {
  create(item: ViewItem): HTMLElement;
  update(element: HTMLElement, item: ViewItem): void;
  versionOf(item: ViewItem): number;
}

interface RenderedRow {
  element: HTMLElement;
  item: ViewItem;
  index: number;
  version: number;
}

/** Rows drawn above and below the visible ones, so that a short scroll shows no gap. */
const overscan = 8;

/**
 * A list that holds elements only for the rows in view, each keyed by its item's key: a row that stays in
 * view keeps its element, which is moved and refilled in place, never rebuilt. Call `render` once per frame.
 */
export class VirtualList {
  #scroller: HTMLElement;
  #canvas: HTMLElement;
  #rowHeight: number;
  #renderer: RowRenderer;
  #items: ViewItem[] = [];
  #rendered = new Map<string, RenderedRow>();

  constructor(scroller: HTMLElement, canvas: HTMLElement, rowHeight: number, renderer: RowRenderer) {
    this.#scroller = scroller;
    this.#canvas = canvas;
    this.#rowHeight = rowHeight;
    this.#renderer = renderer;
  }

  setItems(items: ViewItem[]): void {
    this.#items = items;
    this.#canvas.style.height = `${items.length * this.#rowHeight}px`;
  }

  /** Brings the rows in view up to date: reads the scroll position first, then writes only what changed. */
  render(): void {
    const top = this.#scroller.scrollTop;
    const height = this.#scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / this.#rowHeight) - overscan);
    const last = Math.min(this.#items.length, Math.ceil((top + height) / this.#rowHeight) + overscan);
    const inView = new Set<string>();
    for (let index = first; index < last; index += 1) {
      const item = this.#items[index];
      if (item) inView.add(this.#place(item, index));
    }
    for (const [key, row] of this.#rendered) {
      if (inView.has(key)) continue;
      row.element.remove();
      this.#rendered.delete(key);
    }
  }

  /** Calls `visit` for each row that has an element now. */
  forEachRendered(visit: (element: HTMLElement, item: ViewItem) => void): void {
    for (const row of this.#rendered.values()) visit(row.element, row.item);
  }

  /** The element of the row with this key, if it is drawn. */
  elementOf(key: string): HTMLElement | undefined {
    return this.#rendered.get(key)?.element;
  }

  #place(item: ViewItem, index: number): string {
    let row = this.#rendered.get(item.key);
    if (!row || row.item.kind !== item.kind) {
      row?.element.remove();
      row = { element: this.#renderer.create(item), item, index: -1, version: -1 };
      this.#canvas.append(row.element);
      this.#rendered.set(item.key, row);
    }
    row.item = item;
    if (row.index !== index) {
      row.element.style.transform = `translateY(${index * this.#rowHeight}px)`;
      row.index = index;
    }
    const version = this.#renderer.versionOf(item);
    if (version !== row.version) {
      this.#renderer.update(row.element, item);
      row.version = version;
    }
    return item.key;
  }
}
