/* The lineage explorer on the dataset and lineage pages (an ES module; no build step).
 *
 * Reads its first elements from <script id="graph-data"> (json_script), draws them left to
 * right (upstream → downstream) with cytoscape + dagre, and asks /api/v1/lineage/ for more
 * on double-click, on the side panel's expand buttons and when a control changes.
 *
 * Modules: style.js (looks), model.js (what was fetched, folding, filters, column cards),
 * layout.js (positions), highlight.js (light paths, dim the rest), panel.js (side panel,
 * tooltip, messages), api.js (fetching). The cytoscape instance is window.lineageGraph and
 * window.lineageExplorer offers { highlight(edgeIds), clearHighlight(), pathOf(id) }.
 */
import { fetchLineage, truncationNote } from "./api.js";
import { highlight, clearHighlight, pathOf } from "./highlight.js";
import { columnLayoutPositions, dagreOptions, layeredPositions, readableAtFit, presetOptions, DAGRE_MAX, MAX_FIT_ZOOM } from "./layout.js";
import { COLLAPSE_AT, createModel, datasetCount, foldGroups, merge, visibleElements } from "./model.js";
import { createPanel, h } from "./panel.js";
import { graphStyle } from "./style.js";

const dataScript = document.getElementById("graph-data");
const container = document.getElementById("cy");

if (dataScript && container) start();

function start() {
  const root = container.closest("[data-lineage]") || document;
  const boxes = {
    panel: root.querySelector("[data-side-panel]"),
    status: root.querySelector("[data-graph-status]"),
    banner: root.querySelector("[data-graph-banner]"),
    tooltip: document.querySelector("[data-edge-tooltip]"),
  };
  const controls = document.querySelector("[data-lineage-controls]");
  if (typeof window.cytoscape !== "function") {
    boxes.status.textContent = "The graph library did not load, so the lineage cannot be drawn. Reload the page; if it persists, ask an administrator to check the portal's static files.";
    return;
  }

  const initial = JSON.parse(dataScript.textContent);
  const state = {
    center: initial.center,
    focus: initial.focus || "",
    query: Object.assign({}, initial.query),
    apiUrl: initial.api_url,
    lineageUrl: initial.lineage_url,
    collapsed: new Set(), // schema group ids folded into one node
    closedTables: new Set(), // column level: tables drawn without their rows
    allColumns: new Set(), // column level: tables showing every column, not only linked ones
    autoFolded: false,
    grouping: false,
    filters: { sensitive: false, valueOnly: false, classification: "", tag: "" },
  };
  const model = createModel();
  const large = initial.elements.length > 400;
  const cy = window.cytoscape({
    container: container,
    elements: [],
    style: graphStyle(),
    minZoom: 0.05,
    maxZoom: 3,
    boxSelectionEnabled: false,
    // Large graphs pan and zoom smoothly if edges are not redrawn during the gesture.
    hideEdgesOnViewport: large,
    textureOnViewport: large,
  });
  window.lineageGraph = cy;

  const actions = { expand, toggleGroup, toggleTable, toggleAllColumns, centredUrl, columnUrl };
  const panel = createPanel({ cy, state, model, boxes, actions });

  function reset(elements) {
    model.nodes.clear();
    model.edges.clear();
    merge(model, elements, state.center);
    state.collapsed.clear();
    state.closedTables.clear();
    state.allColumns.clear();
    state.autoFolded = false;
    state.grouping = datasetCount(model) > COLLAPSE_AT;
    if (state.grouping) foldGroups(state, model, [state.center]);
    fillTagFilter();
  }

  // --- drawing ------------------------------------------------------------------------

  function draw(options) {
    options = options || {};
    const elements = visibleElements(state, model);
    const drawnNodes = elements.filter((el) => el.group === "nodes").length;
    if (!drawnNodes) {
      cy.elements().remove();
      panel.showStatus(state.query.as_of
        ? "This dataset did not exist yet at the end of " + state.query.as_of + ". Choose a later “as of” date, or clear it."
        : "Nothing to draw for these settings.");
      container.dataset.state = "ready";
      return;
    }
    panel.showStatus("Arranging " + drawnNodes + " nodes…");
    container.dataset.state = "layout";
    // Defer a tick so the "Arranging…" message paints; then add and lay out before the
    // next frame, so the graph is drawn once, in place, not first piled up unarranged.
    window.setTimeout(() => {
      cy.batch(() => {
        cy.elements().remove();
        cy.add(elements);
      });
      layOut(options, drawnNodes);
    }, 0);
  }

  function layOut(options, drawnNodes) {
    let layout;
    if (state.query.level === "column") {
      const placed = columnLayoutPositions(cy);
      if (!readableAtFit(placed.bounds, container) && !state.autoFolded && foldForReading()) {
        return draw(options);
      }
      layout = cy.layout(presetOptions(placed.positions));
    } else if (drawnNodes > DAGRE_MAX || cy.edges().length > DAGRE_MAX) {
      layout = cy.layout(presetOptions(layeredPositions(cy)));
    } else {
      layout = cy.layout(dagreOptions({ animate: !!options.animate && drawnNodes < 120, animationDuration: 250 }));
    }
    layout.one("layoutstop", () => afterLayout(options));
    layout.run();
  }

  /* Too many rows to read at fit: keep the columns of the centre (and the focused column's
   * table) and draw the other tables folded, each one click from its columns. */
  function foldForReading() {
    state.autoFolded = true;
    const keep = new Set([state.center, state.focus.split("#")[0]]);
    let folded = 0;
    model.nodes.forEach((node) => {
      if (node.data.type === "dataset" && !keep.has(node.data.id)) {
        state.closedTables.add(node.data.id);
        folded += 1;
      }
    });
    if (!folded) return false;
    panel.showBanner(folded + " tables hold too many columns to read at once, so their columns are folded. Click a table, then “Show its columns”, or lower the depth.", "info");
    return true;
  }

  function afterLayout(options) {
    if (cy.zoom() > MAX_FIT_ZOOM) cy.zoom({ level: MAX_FIT_ZOOM, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
    if (options.focus) {
      const focus = cy.getElementById(options.focus);
      if (focus.nonempty()) focus.select();
    }
    if (state.focus && options.lightFocus) lightColumn(state.focus);
    panel.hideStatus();
    container.dataset.state = "ready";
    panel.describeSelection();
  }

  function lightColumn(id) {
    const node = cy.getElementById(id);
    if (node.empty()) return;
    cy.elements().unselect();
    node.select();
    highlight(cy, pathOf(cy, id), [id]);
  }

  // --- fetching -------------------------------------------------------------------------

  function load(params) {
    container.dataset.state = "loading";
    return fetchLineage(state.apiUrl, params);
  }

  /* Double-click or the panel's buttons: one more hop around a dataset, added to the graph. */
  function expand(key, direction) {
    const where = (direction === "both" ? "around" : direction + " of") + " " + panel.shortName(key);
    panel.showStatus("Loading one more hop " + where + "…");
    return load({ key: key, depth: 1, direction: direction, level: state.query.level, as_of: state.query.as_of })
      .then((body) => {
        const before = model.nodes.size;
        merge(model, body.elements, state.center);
        if (!state.grouping && datasetCount(model) > COLLAPSE_AT) {
          state.grouping = true;
          foldGroups(state, model, [state.center, key]);
        }
        fillTagFilter();
        panel.showBanner(model.nodes.size - before ? null : "Nothing new " + where + " within one hop.", "info");
        draw({ animate: true, focus: key });
      })
      .catch((error) => { panel.hideStatus(); panel.showBanner(error.message, "error"); container.dataset.state = "ready"; });
  }

  /* A control changed: fetch the centre's neighbourhood again with the new settings. */
  function reload() {
    panel.showStatus("Loading the lineage…");
    if (state.query.level !== "column") state.focus = "";
    return load({ key: state.center, depth: state.query.depth, direction: state.query.direction, level: state.query.level, as_of: state.query.as_of })
      .then((body) => {
        reset(body.elements);
        panel.showBanner(truncationNote(body.truncated, body.left_out), "warning");
        draw({ focus: state.center, lightFocus: true });
        if (controls && state.lineageUrl) window.history.replaceState(null, "", pageUrl());
      })
      .catch((error) => { panel.hideStatus(); panel.showBanner(error.message, "error"); container.dataset.state = "ready"; });
  }

  function pageUrl(key) {
    const url = new URL(state.lineageUrl, window.location.href);
    url.searchParams.set("dataset", key || state.center);
    ["depth", "direction", "level", "as_of"].forEach((name) => {
      if (state.query[name]) url.searchParams.set(name, state.query[name]);
    });
    if (!key && state.focus && state.query.level === "column") url.searchParams.set("column", state.focus);
    return url;
  }

  function centredUrl(key) {
    const url = pageUrl(key);
    return url.pathname + url.search;
  }

  function columnUrl(key) {
    const url = new URL(state.lineageUrl, window.location.href);
    url.searchParams.set("column", key);
    return url.pathname + url.search;
  }

  // --- folding ------------------------------------------------------------------------------

  function toggleGroup(groupId) {
    if (state.collapsed.has(groupId)) state.collapsed.delete(groupId);
    else state.collapsed.add(groupId);
    draw({ animate: true, focus: groupId });
  }

  function toggleTable(key) {
    state.autoFolded = true; // the reader chose: do not fold again behind their back
    if (state.closedTables.has(key)) state.closedTables.delete(key);
    else state.closedTables.add(key);
    draw({ focus: key });
  }

  function toggleAllColumns(key) {
    if (state.allColumns.has(key)) state.allColumns.delete(key);
    else state.allColumns.add(key);
    state.autoFolded = true;
    draw({ focus: key });
  }

  // --- filters ------------------------------------------------------------------------------

  function fillTagFilter() {
    const select = controls && controls.querySelector("[name=filter_tag]");
    if (!select) return;
    const tags = new Set();
    model.nodes.forEach((node) => (node.data.tags || []).forEach((t) => tags.add(t)));
    const current = select.value;
    select.replaceChildren(h("option", { value: "", text: "Any tag" }), ...Array.from(tags).sort().map((t) => h("option", { value: t, text: t.toUpperCase() })));
    select.value = tags.has(current) ? current : "";
  }

  function applyFilter(field) {
    const value = field.type === "checkbox" ? field.checked : field.value;
    const name = { filter_sensitive: "sensitive", filter_value: "valueOnly", filter_classification: "classification", filter_tag: "tag" }[field.name];
    state.filters[name] = value;
    clearHighlight(cy);
    draw({});
  }

  // --- events ---------------------------------------------------------------------------------

  // A tap bubbles from a row to its card: act on it once (per kind: a dbltap shares its
  // browser event with the second tap).
  const handled = { tap: new WeakSet(), dbltap: new WeakSet() };
  function firstTime(event) {
    const original = event.originalEvent;
    const seen = handled[event.type];
    if (!original || !seen) return true;
    if (seen.has(original)) return false;
    seen.add(original);
    return true;
  }

  cy.on("tap", "node", (event) => {
    if (!firstTime(event)) return;
    const node = event.target;
    const type = node.data("type");
    if (type === "more") return toggleAllColumns(node.data("dataset_key"));
    cy.elements().unselect();
    if (type === "column") {
      lightColumn(node.id());
    } else {
      clearHighlight(cy);
      (type === "title" ? node.parent() : node).select();
    }
    panel.describeNode(node);
  });
  cy.on("tap", (event) => {
    if (event.target === cy) {
      cy.elements().unselect();
      clearHighlight(cy);
      panel.describeGraph();
    }
  });
  cy.on("dbltap", "node", (event) => {
    if (!firstTime(event)) return;
    const d = event.target.data();
    if (d.type === "schema") toggleGroup(d.id);
    else if (d.type !== "more") expand(d.dataset_key || d.id, "both");
  });
  cy.on("mouseover", "edge", (event) => {
    event.target.addClass("hover");
    panel.showTooltip(event.target, event);
  });
  cy.on("mousemove", "edge", panel.moveTooltip);
  cy.on("mouseout", "edge", (event) => {
    event.target.removeClass("hover");
    panel.hideTooltip();
  });
  cy.on("mouseover", "node", () => { container.style.cursor = "pointer"; });
  cy.on("mouseout", "node", () => { container.style.cursor = ""; });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    clearHighlight(cy);
    cy.elements().unselect();
    panel.describeGraph();
  });

  document.querySelectorAll("[data-graph-fit]").forEach((button) => {
    button.addEventListener("click", () => cy.fit(undefined, 30));
  });
  document.querySelectorAll("[data-graph-export]").forEach((button) => {
    button.addEventListener("click", () => {
      const blob = cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff", maxWidth: 8000, maxHeight: 8000 });
      const link = h("a", { href: URL.createObjectURL(blob), download: "lineage-" + panel.shortName(state.center) + ".png" });
      document.body.appendChild(link);
      link.click();
      window.setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    });
  });

  // The PDF report follows what is drawn now: the centre and the controls' current values.
  document.querySelectorAll("[data-pdf-export]").forEach((link) => {
    link.addEventListener("click", () => {
      const url = new URL(link.href, window.location.href);
      url.searchParams.set("dataset", state.center);
      ["depth", "direction", "as_of"].forEach((name) => {
        if (state.query[name]) url.searchParams.set(name, state.query[name]);
        else url.searchParams.delete(name);
      });
      link.href = url.toString();
    });
  });

  if (controls) {
    // With JavaScript the controls apply at once; without it the form submits as a GET.
    controls.addEventListener("change", (event) => {
      const field = event.target;
      if (field.name && field.name.indexOf("filter_") === 0) return applyFilter(field);
      if (!field.name || !(field.name in state.query)) return;
      if (field.name === "depth") {
        const depth = parseInt(field.value, 10);
        const max = parseInt(field.max, 10) || 10;
        if (!(depth >= 1 && depth <= max)) {
          panel.showBanner("Depth must be a whole number from 1 to " + max + ".", "error");
          return;
        }
      }
      state.query[field.name] = field.value;
      reload();
    });
    controls.addEventListener("submit", (event) => {
      event.preventDefault();
      reload();
    });
  }

  window.lineageExplorer = {
    highlight: (edgeIds) => highlight(cy, edgeIds),
    clearHighlight: () => clearHighlight(cy),
    pathOf: (id) => pathOf(cy, id),
    fitZoom: () => cy.zoom(),
  };

  reset(initial.elements);
  panel.showBanner(truncationNote(initial.truncated, initial.left_out), "warning");
  draw({ focus: state.focus || null, lightFocus: true });
}

