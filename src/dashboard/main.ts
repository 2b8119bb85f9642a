import { ApiClient, errorText } from "./api-client.ts";
import { bindCreateForm } from "./create-form.ts";
import { DetailsPanel } from "./details-panel.ts";
import { followLiveStream } from "./live-stream.ts";
import { NodesPanel } from "./nodes-panel.ts";
import { SelectionBar } from "./selection-bar.ts";
import { stackRowRenderer, tickCountdown } from "./stack-row.ts";
import { StackStore } from "./stack-store.ts";
import {
  defaultQuery,
  type SortColumn,
  type StackView,
  StackViewModel,
  type ViewQuery,
} from "./stack-view.ts";
import { StatsPanel } from "./stats-panel.ts";
import { VirtualList } from "./virtual-list.ts";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const keyStorage = "stackd-api-key";
const rowHeight = 34;
const statsIntervalMs = 5_000;
const shownNotices = 5;

/** Keeps the node filter's options to the nodes that hold stacks (and the one chosen). */
function drawNodeOptions(nodes: string[], chosen: string): void {
  const nodeFilter = byId<HTMLSelectElement>("filter-node");
  const options = ["", ...nodes, ...(chosen && !nodes.includes(chosen) ? [chosen] : [])];
  if (Array.from(nodeFilter.options, (option) => option.value).join("\n") === options.join("\n")) return;
  nodeFilter.replaceChildren(
    ...options.map((node) => new Option(node === "" ? "all nodes" : node, node, false, node === chosen)),
  );
}

/** Marks the sorted column's header with its direction. */
function drawSortMarks(query: ViewQuery): void {
  for (const button of Array.from(document.querySelectorAll<HTMLElement>("[data-sort]"))) {
    const sorted = button.dataset.sort === query.sort;
    const direction = query.descending ? "desc" : "asc";
    button.classList.toggle("sorted", sorted);
    button.dataset.direction = sorted ? direction : "";
    const aria = sorted ? (query.descending ? "descending" : "ascending") : "none";
    button.parentElement?.setAttribute("aria-sort", aria);
  }
}

/** The console once connected: the store fed by the stream, and one frame that draws whatever changed. */
function startConsole(api: ApiClient): void {
  const store = new StackStore();
  const query: ViewQuery = { ...defaultQuery };
  const model = new StackViewModel(query);
  let view: StackView = { items: [], stackIds: [], nodes: [] };
  let queryChanged = true;
  let snapshotSeen = false;
  let firstRenderMarked = false;
  let frameRequested = false;

  const list = new VirtualList(byId("stack-list"), byId("stack-canvas"), rowHeight, stackRowRenderer(store));
  const details = new DetailsPanel(api, store, schedule);
  const stats = new StatsPanel(api, (node) => setQuery({ node }));
  const nodes = new NodesPanel(api);
  const selection = new SelectionBar(api, store, () => view.stackIds, schedule);

  function schedule(): void {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(frame);
  }

  function frame(): void {
    frameRequested = false;
    const { replaced, changes } = store.takeChanges();
    if (queryChanged || replaced) model.rebuild(store.values(), query);
    else if (changes.size > 0) model.apply(changes);
    if (queryChanged || replaced || changes.size > 0) {
      queryChanged = false;
      view = model.view();
      list.setItems(view.items);
      drawViewFacts();
    }
    list.render();
    list.forEachRendered((element, item) =>
      element.classList.toggle("selected", item.key === details.stackId),
    );
    details.refresh();
    selection.update();
    if (snapshotSeen && !firstRenderMarked) {
      firstRenderMarked = true;
      performance.mark("stackd:first-render");
      document.body.dataset.rendered = "true";
    }
  }

  function drawViewFacts(): void {
    const total = `${store.size} stack${store.size === 1 ? "" : "s"}`;
    byId("shown-count").textContent =
      view.stackIds.length === store.size ? total : `${view.stackIds.length} of ${total} shown`;
    byId("no-stacks").classList.toggle("hidden", view.stackIds.length > 0);
    byId("no-stacks").textContent = store.size === 0 ? "No stacks yet." : "No stack matches the filters.";
    drawNodeOptions(view.nodes, query.node);
    drawSortMarks(query);
  }

  function setQuery(change: Partial<ViewQuery>): void {
    Object.assign(query, change);
    if (change.node !== undefined) byId<HTMLSelectElement>("filter-node").value = change.node;
    queryChanged = true;
    schedule();
  }

  function notice(text: string): void {
    const item = document.createElement("li");
    item.textContent = text;
    const notices = byId("notices");
    notices.prepend(item);
    while (notices.children.length > shownNotices) notices.lastElementChild?.remove();
  }

  async function deleteOne(stackId: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const answer = await api
      .call("DELETE", `/stacks/${encodeURIComponent(stackId)}`)
      .catch((error) => ({ status: 0, body: { error: String(error) } }));
    button.disabled = false;
    if (answer.status === 200 || answer.status === 404) {
      store.setDeleteError(stackId, undefined);
    } else {
      store.setDeleteError(stackId, errorText(answer));
      notice(`delete of ${stackId} failed: ${errorText(answer)}`);
    }
    schedule();
  }

  byId("stack-canvas").onclick = (event) => {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLElement>(".stack");
    const stackId = row?.dataset.stackId;
    if (!stackId) return;
    if (target.dataset.action === "select") store.setSelected(stackId, (target as HTMLInputElement).checked);
    else if (target.dataset.action === "delete") void deleteOne(stackId, target as HTMLButtonElement);
    else details.show(stackId);
    schedule();
  };
  byId("stack-list").addEventListener("scroll", schedule, { passive: true });
  byId("search").oninput = (event) => setQuery({ search: (event.target as HTMLInputElement).value });
  byId("filter-label").oninput = (event) => setQuery({ label: (event.target as HTMLInputElement).value });
  byId("filter-status").onchange = (event) => setQuery({ status: (event.target as HTMLSelectElement).value });
  byId("filter-node").onchange = (event) => setQuery({ node: (event.target as HTMLSelectElement).value });
  byId("group-by-node").onchange = (event) =>
    setQuery({ groupByNode: (event.target as HTMLInputElement).checked });
  for (const button of Array.from(document.querySelectorAll<HTMLElement>("[data-sort]"))) {
    button.onclick = () => {
      const column = button.dataset.sort as SortColumn;
      setQuery({ sort: column, descending: query.sort === column ? !query.descending : false });
    };
  }

  bindCreateForm(api, (stack) => {
    // The stream is authoritative: it may already have delivered a newer state than this answer.
    if (!store.get(stack.stack_id)) store.upsert(stack);
    details.show(stack.stack_id);
    schedule();
  });

  followLiveStream(api.key, {
    onSnapshot(stacks) {
      store.replaceAll(stacks);
      snapshotSeen = true;
      schedule();
    },
    // The first part draws at once; each next part is placed like a burst of new stacks.
    onSnapshotPart(stacks, first, last) {
      if (first) store.beginSnapshot(stacks);
      else for (const stack of stacks) store.upsert(stack);
      if (last) store.endSnapshot();
      snapshotSeen = true;
      schedule();
    },
    onChange(stackId, stack) {
      if (stack) store.upsert(stack);
      else store.remove(stackId);
      stats.refreshSoon();
      schedule();
    },
    onConnection(state) {
      byId("connection").textContent = state === "live" ? "live" : "reconnecting…";
      byId("connection").className = state === "live" ? "live" : "";
    },
  });

  void stats.refresh();
  setInterval(() => void stats.refresh(), statsIntervalMs);
  void nodes.refresh();
  setInterval(() => void nodes.refresh(), statsIntervalMs);
  setInterval(() => {
    const now = Date.now();
    list.forEachRendered((element, item) => {
      if (item.kind === "stack") tickCountdown(element, store, item.stackId, now);
    });
    details.tick(now);
  }, 1_000);
  schedule();
}

async function login(key: string): Promise<void> {
  const response = await fetch("/healthz", { headers: { "X-API-KEY": key } });
  if (response.status === 401) throw new Error("invalid api key");
  if (!response.ok) throw new Error(`stackd answered ${response.status}`);
  sessionStorage.setItem(keyStorage, key);
  byId("login").classList.add("hidden");
  byId("app").classList.remove("hidden");
  startConsole(new ApiClient(key));
}

byId("login-form").onsubmit = async (event) => {
  event.preventDefault();
  byId("login-error").textContent = "";
  try {
    await login(byId<HTMLInputElement>("api-key").value.trim());
  } catch (error) {
    byId("login-error").textContent = error instanceof Error ? error.message : String(error);
  }
};

byId("logout").onclick = () => {
  sessionStorage.removeItem(keyStorage);
  location.reload();
};

const savedKey = sessionStorage.getItem(keyStorage);
if (savedKey) login(savedKey).catch(() => sessionStorage.removeItem(keyStorage));
