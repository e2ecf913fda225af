/* Everything the page has fetched, and what of it is drawn.
 *
 * All elements ever fetched live in `model`; what is drawn is derived from it (folding,
 * column rows, filters), so that a large graph can be folded into one node per schema and
 * opened again group by group, and a filter can change, without refetching.
 */
import { ROW, textWidth, columnLabel, datasetBox, tagText } from "./style.js";

export const COLLAPSE_AT = 300; // datasets: beyond this, fold by schema so the tab stays responsive
const MIN_FOLD = 3; // smaller schema groups stay open: folding them would hide, not simplify

export function createModel() {
  return { nodes: new Map(), edges: new Map() };
}

export function merge(model, elements, center) {
  elements.forEach((el) => {
    const store = el.group === "edges" ? model.edges : model.nodes;
    const known = store.get(el.data.id);
    // An expansion's answer marks the expanded node as its centre; the page has one.
    const classes = (el.classes || "").split(" ").filter((c) => c && c !== "center");
    if (el.data.id === center) classes.push("center");
    // Keep what earlier fetches learnt, add what this one knows.
    const data = Object.assign({}, known ? known.data : {}, el.data);
    store.set(el.data.id, { group: el.group, data: data, classes: classes.join(" ") });
  });
}

export function datasetCount(model) {
  let count = 0;
  model.nodes.forEach((node) => { if (node.data.type === "dataset") count += 1; });
  return count;
}

function schemaGroupId(data) {
  return "schema:" + (data.platform || "") + ":" + (data.database || "") + "." + (data.schema || "");
}

export function groupsOf(model) {
  const groups = new Map();
  model.nodes.forEach((node) => {
    if (node.data.type !== "dataset") return;
    const id = schemaGroupId(node.data);
    if (!groups.has(id)) {
      groups.set(id, { id: id, schema: node.data.schema || "(no schema)", database: node.data.database, platform: node.data.platform, members: [] });
    }
    groups.get(id).members.push(node.data.id);
  });
  return groups;
}

/* Fold every schema group worth folding, except those holding the given datasets. */
export function foldGroups(state, model, keep) {
  groupsOf(model).forEach((group) => {
    const kept = keep.some((key) => group.members.indexOf(key) !== -1);
    if (!kept && group.members.length >= MIN_FOLD) state.collapsed.add(group.id);
  });
}

/* --- filters ---------------------------------------------------------------------- */

export function columnPasses(filters, data) {
  if (filters.sensitive && !data.sensitive && !data.carries_sensitive) return false;
  if (filters.classification) {
    const level = data.classification || "unclassified";
    if (level !== filters.classification) return false;
  }
  if (filters.tag && (data.tags || []).indexOf(filters.tag) === -1) return false;
  return true;
}

function edgePasses(filters, data) {
  return !filters.valueOnly || data.level !== "column" || !!data.carries_value;
}

/* --- what to draw ------------------------------------------------------------------- */

function datasetLevel(state) {
  return state.query.level !== "column";
}

/* The elements to draw: folded groups become one node; at column level a table is a card
 * of rows (title, the columns that have edges, "+N more"); edges into something folded
 * are merged into one edge per pair of drawn ends, labelled with their count. */
export function visibleElements(state, model) {
  let groups = state.grouping ? groupsOf(model) : new Map();
  // One schema only: its box would only wrap everything (and cost a compound of 1,000).
  if (groups.size === 1) groups = new Map();
  const out = [];
  const representative = new Map();
  const filters = state.filters;

  groups.forEach((group) => out.push(groupElement(group, state.collapsed.has(group.id))));

  const linked = linkedColumns(model, filters);
  const rows = new Map(); // table key → its drawn column nodes
  const hidden = new Map(); // table key → how many of its columns are not drawn
  model.nodes.forEach((node) => {
    if (node.data.type !== "column") return;
    const table = node.data.dataset_key;
    const drawnAsRow = !datasetLevel(state) && model.nodes.has(table) && !state.closedTables.has(table) &&
      columnPasses(filters, node.data) && (linked.has(node.data.id) || state.allColumns.has(table));
    if (drawnAsRow) {
      if (!rows.has(table)) rows.set(table, []);
      rows.get(table).push(node);
    } else {
      hidden.set(table, (hidden.get(table) || 0) + 1);
    }
  });

  model.nodes.forEach((node) => {
    const d = node.data;
    if (d.type === "column") return;
    const groupId = groups.size ? schemaGroupId(d) : null;
    const folded = groupId && state.collapsed.has(groupId) && d.id !== state.center;
    if (folded) {
      representative.set(d.id, groupId);
      return;
    }
    // At table level the filters choose tables; at column level they choose rows.
    if (datasetLevel(state) && d.type === "dataset" && !classPasses(filters, d) && d.id !== state.center) return;
    representative.set(d.id, d.id);
    const el = { group: "nodes", data: Object.assign({}, d), classes: node.classes };
    if (groupId && !state.collapsed.has(groupId)) el.data.parent = groupId;
    const tableRows = rows.get(d.id);
    if (!datasetLevel(state) && tableRows && tableRows.length) {
      out.push(el);
      cardElements(d, tableRows, hidden.get(d.id) || 0, state).forEach((row) => out.push(row));
      tableRows.forEach((row) => representative.set(row.data.id, row.data.id));
    } else {
      el.data.hidden_columns = datasetLevel(state) ? 0 : (hidden.get(d.id) || 0);
      if (d.type === "dataset") Object.assign(el.data, datasetBox(el.data));
      out.push(el);
    }
  });

  model.nodes.forEach((node) => {
    // A column not drawn as a row stands for its table (or the table's folded group),
    // unless a filter removed it: then its edges are not drawn at all.
    if (node.data.type !== "column" || representative.has(node.data.id)) return;
    if (!columnPasses(filters, node.data)) return;
    const table = representative.get(node.data.dataset_key);
    if (table) representative.set(node.data.id, table);
  });

  out.push(...drawnEdges(model, representative, filters));
  // Cytoscape wants a compound parent before its children.
  const rank = { schema: 0, dataset: 1 };
  out.sort((a, b) => {
    if (a.group !== b.group) return a.group === "nodes" ? -1 : 1;
    return (rank[a.data.type] === undefined ? 2 : rank[a.data.type]) - (rank[b.data.type] === undefined ? 2 : rank[b.data.type]);
  });
  return out;
}

function classPasses(filters, data) {
  if (filters.classification && (data.classification || "unclassified") !== filters.classification) return false;
  if (filters.tag && (data.tags || []).indexOf(filters.tag) === -1) return false;
  if (filters.sensitive && !data.sensitive) return false;
  return true;
}

function groupElement(group, folded) {
  return {
    group: "nodes",
    data: {
      id: group.id,
      type: "schema",
      schema: group.schema,
      platform: group.platform,
      database: group.database,
      count: group.members.length,
      label: folded
        ? group.schema + "\n" + group.members.length + " datasets · double-click to open"
        : group.schema + " · " + group.members.length + " datasets",
    },
    classes: folded ? "schema folded" : "schema open",
  };
}

/* Columns with at least one drawable edge whose other end is known too. */
function linkedColumns(model, filters) {
  const linked = new Set();
  model.edges.forEach((edge) => {
    const d = edge.data;
    if (d.level !== "column" || !edgePasses(filters, d)) return;
    const s = model.nodes.get(d.source);
    const t = model.nodes.get(d.target);
    if (!s || !t || !columnPasses(filters, s.data) || !columnPasses(filters, t.data)) return;
    linked.add(d.source);
    linked.add(d.target);
  });
  return linked;
}

function cardTitle(d) {
  return d.label + (d.schema ? " · " + d.schema : "") + "\n" + (d.classification || "unclassified") + tagText(d);
}

/* A table's card at column level: the title row, its column rows, and "+N more". */
function cardElements(d, tableRows, hiddenCount, state) {
  tableRows.sort((a, b) => (a.data.ordinal || 0) - (b.data.ordinal || 0) || a.data.label.localeCompare(b.data.label));
  const title = cardTitle(d);
  const widest = tableRows.reduce((w, row) => Math.max(w, textWidth(row.data.label + (row.data.data_type ? "  " + row.data.data_type : "") + "  \uD83D\uDD12", ROW.font)), textWidth(title, ROW.titleFont, "bold"));
  const width = Math.min(ROW.maxWidth, Math.max(ROW.minWidth, widest + 28));
  const els = [{ group: "nodes", data: { id: d.id + "::title", type: "title", parent: d.id, dataset_key: d.id, label: title, width: width }, classes: "title" }];
  tableRows.forEach((row) => {
    const classes = [row.classes || "column"];
    if (row.data.sensitive || row.data.carries_sensitive) classes.push("sensitive");
    if (state.focus === row.data.id) classes.push("focus");
    els.push({ group: "nodes", data: Object.assign({}, row.data, { parent: d.id, width: width }), classes: classes.join(" ") });
  });
  const showingAll = state.allColumns.has(d.id);
  if (hiddenCount || showingAll) {
    els.push({
      group: "nodes",
      data: { id: d.id + "::more", type: "more", parent: d.id, dataset_key: d.id, width: width, label: showingAll ? "− only columns with lineage" : "+" + hiddenCount + " more column" + (hiddenCount === 1 ? "" : "s") },
      classes: "more",
    });
  }
  return els;
}

function drawnEdges(model, representative, filters) {
  const out = [];
  const merged = new Map();
  model.edges.forEach((edge) => {
    if (!edgePasses(filters, edge.data)) return;
    const s = representative.get(edge.data.source);
    const t = representative.get(edge.data.target);
    if (!s || !t || s === t) return;
    if (s === edge.data.source && t === edge.data.target) {
      out.push(edge);
      return;
    }
    // A column edge standing for a drawn table edge between the same two tables adds nothing.
    if (edge.data.level === "column" && model.edges.has(s + "->" + t)) return;
    const id = "group-edge:" + s + "->" + t;
    let meta = merged.get(id);
    if (!meta) {
      meta = { group: "edges", data: { id: id, source: s, target: t, count: 0, label: "", members: [] }, classes: "grouped" };
      merged.set(id, meta);
      out.push(meta);
    }
    meta.data.count += 1;
    meta.data.members.push(edge.data.id);
    if (edge.data.regulated_unmasked) meta.classes = "grouped unmasked-regulated";
    meta.data.label = meta.data.count + (meta.data.count === 1 ? " edge" : " edges");
  });
  return out;
}

export { columnLabel };
