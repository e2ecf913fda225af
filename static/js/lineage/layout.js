/* Where things go: dagre left to right, upstream → downstream.
 *
 * Table level lays out the drawn nodes directly. Column level lays out *cards* (a table
 * with its rows, or a folded table or group) as blocks with dagre in a headless cytoscape,
 * then stacks each card's rows inside its block, ordered so that rows linked to each other
 * sit at similar heights (fewer crossings). `readableAtFit` says whether row text is still
 * at least MIN_READABLE_PX tall once the whole drawing is fitted to the screen.
 */
import { ROW, MIN_READABLE_PX } from "./style.js";

const PADDING = 30;
const MAX_FIT_ZOOM = 1.4;
// Above this many boxes (or edges) dagre's ranking (network simplex) and edge routing take
// seconds: a plain layered layout (longest path, one barycentre sweep) draws a thousand
// in milliseconds (docs/benchmarks.md).
export const DAGRE_MAX = 150;
const RANK_GAP = 110;
const ROW_GAP = 28;

/* Positions for boxes {id, w, h} and edges [source, target]: rank by longest path from the
 * sources, order each rank by its predecessors' order, stack ranks left to right. */
export function layered(boxes, edges) {
  const preds = new Map(boxes.map((b) => [b.id, []]));
  const succs = new Map(boxes.map((b) => [b.id, []]));
  edges.forEach(([s, t]) => {
    if (s === t || !preds.has(s) || !preds.has(t)) return;
    succs.get(s).push(t);
    preds.get(t).push(s);
  });
  const rank = new Map();
  const indegree = new Map(boxes.map((b) => [b.id, preds.get(b.id).length]));
  let frontier = boxes.filter((b) => !indegree.get(b.id)).map((b) => b.id);
  frontier.forEach((id) => rank.set(id, 0));
  while (frontier.length) {
    const next = [];
    frontier.forEach((id) => succs.get(id).forEach((t) => {
      rank.set(t, Math.max(rank.get(t) || 0, rank.get(id) + 1));
      indegree.set(t, indegree.get(t) - 1);
      if (!indegree.get(t)) next.push(t);
    }));
    frontier = next;
  }
  boxes.forEach((b) => { if (!rank.has(b.id)) rank.set(b.id, 0); }); // on a cycle
  const ranks = [];
  boxes.forEach((b) => { (ranks[rank.get(b.id)] = ranks[rank.get(b.id)] || []).push(b); });
  const order = new Map();
  const at = {};
  let x = 0;
  ranks.forEach((column) => {
    if (!column) return;
    const wish = (b) => {
      const ys = preds.get(b.id).filter((p) => order.has(p)).map((p) => order.get(p));
      return ys.length ? ys.reduce((a, c) => a + c, 0) / ys.length : 0;
    };
    column.sort((a, b) => wish(a) - wish(b));
    const width = Math.max(...column.map((b) => b.w));
    const height = column.reduce((sum, b) => sum + b.h + ROW_GAP, -ROW_GAP);
    let y = -height / 2;
    column.forEach((b, index) => {
      order.set(b.id, index);
      at[b.id] = { x: x + width / 2, y: y + b.h / 2 };
      y += b.h + ROW_GAP;
    });
    x += width + RANK_GAP;
  });
  return at;
}

/* Table level with many nodes: the layered layout on every leaf node. */
export function layeredPositions(cy) {
  const leaves = cy.nodes().filter((n) => !n.isParent());
  const boxes = leaves.map((n) => ({ id: n.id(), w: n.outerWidth(), h: n.outerHeight() }));
  const edges = cy.edges().map((e) => [e.source().id(), e.target().id()]);
  return layered(boxes, edges);
}

export function dagreOptions(extra) {
  return Object.assign({
    name: "dagre",
    rankDir: "LR",
    nodeSep: 24,
    rankSep: 130,
    edgeSep: 12,
    padding: PADDING,
    fit: true,
    // Route long edges through dagre's bend points so they never pass behind a node.
    useDagreEdgeControlPoints: true,
    automaticDagreEdgeStyle: true,
  }, extra || {});
}

function isRow(node) {
  const type = node.data("type");
  return type === "column" || type === "title" || type === "more";
}

/* The blocks of a column-level drawing: every node that is not a row and not an open group. */
function blocksOf(cy) {
  return cy.nodes().filter((n) => !isRow(n) && !(n.data("type") === "schema" && n.isParent()));
}

function blockOf(node) {
  return isRow(node) ? node.parent() : node;
}

function rowsOf(card) {
  const rows = card.children();
  return {
    title: rows.filter((n) => n.data("type") === "title"),
    columns: rows.filter((n) => n.data("type") === "column"),
    more: rows.filter((n) => n.data("type") === "more"),
  };
}

function blockSize(block) {
  if (!block.isParent()) return { w: block.outerWidth(), h: block.outerHeight() };
  const rows = rowsOf(block);
  const width = (rows.title[0] && rows.title[0].data("width")) || ROW.minWidth;
  return { w: width, h: ROW.titleHeight + ROW.height * (rows.columns.length + rows.more.length) };
}

/* Block positions from dagre, run on a headless copy holding only the blocks. */
function placeBlocks(cy) {
  const blocks = blocksOf(cy);
  const sizes = {};
  const elements = [];
  blocks.forEach((b) => {
    sizes[b.id()] = blockSize(b);
    elements.push({ group: "nodes", data: { id: b.id(), w: sizes[b.id()].w, h: sizes[b.id()].h } });
  });
  const pairs = new Set();
  cy.edges().forEach((e) => {
    const s = blockOf(e.source()).id();
    const t = blockOf(e.target()).id();
    if (s === t || !sizes[s] || !sizes[t] || pairs.has(s + "\u0000" + t)) return;
    pairs.add(s + "\u0000" + t);
    elements.push({ group: "edges", data: { id: "b" + pairs.size, source: s, target: t } });
  });
  if (blocks.length > DAGRE_MAX || pairs.size > DAGRE_MAX) {
    const edges = elements.filter((el) => el.group === "edges").map((el) => [el.data.source, el.data.target]);
    return { at: layered(elements.filter((el) => el.group === "nodes").map((el) => ({ id: el.data.id, w: el.data.w, h: el.data.h })), edges), sizes: sizes };
  }
  const headless = window.cytoscape({
    headless: true,
    styleEnabled: true,
    elements: elements,
    style: [{ selector: "node", style: { shape: "rectangle", width: "data(w)", height: "data(h)" } }],
  });
  headless.layout(dagreOptions({ fit: false, nodeSep: 28, rankSep: 110, useDagreEdgeControlPoints: false, automaticDagreEdgeStyle: false })).run();
  const at = {};
  headless.nodes().forEach((n) => { at[n.id()] = { x: n.position("x"), y: n.position("y") }; });
  headless.destroy();
  return { at: at, sizes: sizes };
}

/* Order each card's rows by where their linked rows sit (two barycentre sweeps). */
function orderRows(cy, placed, yOf) {
  for (let sweep = 0; sweep < 2; sweep += 1) {
    blocksOf(cy).filter((b) => b.isParent()).forEach((card) => {
      const cols = rowsOf(card).columns.toArray();
      const wish = new Map();
      cols.forEach((col, index) => {
        const ys = col.connectedEdges().map((e) => yOf(e.source().id() === col.id() ? e.target() : e.source()));
        wish.set(col.id(), ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : placed.at[card.id()].y + index);
      });
      cols.sort((a, b) => wish.get(a.id()) - wish.get(b.id()));
      cols.forEach((col, index) => col.scratch("_row", index));
    });
  }
}

/* Positions of every leaf node at column level. */
export function columnLayoutPositions(cy) {
  const placed = placeBlocks(cy);
  const rowY = (card, index) => {
    const top = placed.at[card.id()].y - placed.sizes[card.id()].h / 2;
    return top + ROW.titleHeight + ROW.height * index + ROW.height / 2;
  };
  const yOf = (node) => {
    const block = blockOf(node);
    if (!placed.at[block.id()]) return 0;
    if (node.data("type") === "column" && node.scratch("_row") !== undefined) return rowY(block, node.scratch("_row"));
    return placed.at[block.id()].y;
  };
  orderRows(cy, placed, yOf);
  const positions = {};
  blocksOf(cy).forEach((block) => {
    const centre = placed.at[block.id()];
    if (!block.isParent()) {
      positions[block.id()] = centre;
      return;
    }
    const rows = rowsOf(block);
    const top = centre.y - placed.sizes[block.id()].h / 2;
    rows.title.forEach((n) => { positions[n.id()] = { x: centre.x, y: top + ROW.titleHeight / 2 }; });
    rows.columns.forEach((n) => { positions[n.id()] = { x: centre.x, y: rowY(block, n.scratch("_row")) }; });
    rows.more.forEach((n) => { positions[n.id()] = { x: centre.x, y: rowY(block, rows.columns.length) }; });
  });
  return { positions: positions, bounds: boundsOf(placed) };
}

function boundsOf(placed) {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  Object.keys(placed.at).forEach((id) => {
    const p = placed.at[id], s = placed.sizes[id];
    x1 = Math.min(x1, p.x - s.w / 2); x2 = Math.max(x2, p.x + s.w / 2);
    y1 = Math.min(y1, p.y - s.h / 2); y2 = Math.max(y2, p.y + s.h / 2);
  });
  return { w: Math.max(1, x2 - x1), h: Math.max(1, y2 - y1) };
}

/* The zoom at which a drawing of `bounds` fits `container`. */
export function fitZoom(bounds, container) {
  const zx = (container.clientWidth - 2 * PADDING) / bounds.w;
  const zy = (container.clientHeight - 2 * PADDING) / bounds.h;
  return Math.min(MAX_FIT_ZOOM, zx, zy);
}

export function readableAtFit(bounds, container) {
  return fitZoom(bounds, container) * ROW.font >= MIN_READABLE_PX;
}

export function presetOptions(positions) {
  return { name: "preset", positions: (node) => positions[node.id()], fit: true, padding: PADDING };
}

export { MAX_FIT_ZOOM };
