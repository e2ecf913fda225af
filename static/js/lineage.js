/* Lineage graph for the dataset and lineage pages.
 *
 * Reads its first elements from <script id="graph-data"> (json_script), draws them left to
 * right (upstream → downstream) with cytoscape + dagre, and asks /api/v1/lineage/ for more
 * on double-click, on the side panel's expand buttons and when a control changes.
 *
 * All elements ever fetched live in `model`; what is drawn is derived from it, so that a
 * large graph can be folded into one node per schema and opened again group by group
 * without refetching. The cytoscape instance is window.lineageGraph (tests read it).
 */
(function () {
  "use strict";

  var COLLAPSE_AT = 300; // nodes: beyond this, fold by schema so the tab stays responsive
  var MIN_FOLD = 3; // smaller schema groups stay open: folding them would hide, not simplify
  var MASKED_LABEL = "\uD83D\uDD12"; // lock, as in the edge labels from the server
  var CLS_COLOURS = {
    restricted: "#9b1c1c",
    confidential: "#c2570c",
    internal: "#1d5fbf",
    public: "#6b7280",
  };

  var dataScript = document.getElementById("graph-data");
  var container = document.getElementById("cy");
  if (!dataScript || !container) return;
  var root = container.closest("[data-lineage]") || document;
  var panel = root.querySelector("[data-side-panel]");
  var statusBox = root.querySelector("[data-graph-status]");
  var banner = root.querySelector("[data-graph-banner]");
  var tooltip = document.querySelector("[data-edge-tooltip]");
  var controls = document.querySelector("[data-lineage-controls]");

  if (typeof window.cytoscape !== "function") {
    showStatus("The graph library did not load, so the lineage cannot be drawn. Reload the page; if it persists, ask an administrator to check the portal's static files.");
    return;
  }

  var initial = JSON.parse(dataScript.textContent);
  var state = {
    center: initial.center,
    query: Object.assign({}, initial.query),
    apiUrl: initial.api_url,
    lineageUrl: initial.lineage_url,
    collapsed: new Set(), // schema group ids folded into one node
    grouping: false,
    loading: 0,
  };
  var model = { nodes: new Map(), edges: new Map() };

  var cy = window.cytoscape({
    container: container,
    elements: [],
    style: graphStyle(),
    minZoom: 0.05,
    maxZoom: 3,
    boxSelectionEnabled: false,
    // Large graphs pan and zoom smoothly if edges are not redrawn during the gesture.
    hideEdgesOnViewport: initial.elements.length > 400,
    textureOnViewport: initial.elements.length > 400,
  });
  window.lineageGraph = cy;

  // --- model -------------------------------------------------------------------

  function merge(elements) {
    elements.forEach(function (el) {
      var store = el.group === "edges" ? model.edges : model.nodes;
      var known = store.get(el.data.id);
      // An expansion's answer marks the expanded node as its centre; the page has one.
      var classes = (el.classes || "").split(" ").filter(function (c) { return c && c !== "center"; });
      if (el.data.id === state.center) classes.push("center");
      // Keep what earlier fetches learnt, add what this one knows.
      var data = Object.assign({}, known ? known.data : {}, el.data);
      store.set(el.data.id, { group: el.group, data: data, classes: classes.join(" ") });
    });
  }

  function reset(elements) {
    model.nodes.clear();
    model.edges.clear();
    merge(elements);
    state.collapsed.clear();
    state.grouping = model.nodes.size > COLLAPSE_AT;
    if (state.grouping) foldGroups([state.center]);
  }

  /* Fold every schema group worth folding, except those holding the given datasets. */
  function foldGroups(keep) {
    groupsOf().forEach(function (group) {
      var kept = keep.some(function (key) { return group.members.indexOf(key) !== -1; });
      if (!kept && group.members.length >= MIN_FOLD) state.collapsed.add(group.id);
    });
  }

  function schemaGroupId(data) {
    return "schema:" + (data.platform || "") + ":" + (data.database || "") + "." + (data.schema || "");
  }

  function datasetOf(node) {
    return node.data.type === "column" ? model.nodes.get(node.data.dataset_key) : node;
  }

  function groupsOf() {
    var groups = new Map();
    model.nodes.forEach(function (node) {
      if (node.data.type !== "dataset") return;
      var id = schemaGroupId(node.data);
      if (!groups.has(id)) {
        groups.set(id, { id: id, schema: node.data.schema || "(no schema)", database: node.data.database, platform: node.data.platform, members: [] });
      }
      groups.get(id).members.push(node.data.id);
    });
    return groups;
  }

  /* The elements to draw: folded groups become one node, and edges into a folded
   * group are merged into one edge per pair of drawn ends, labelled with their count. */
  function visibleElements() {
    var groups = state.grouping ? groupsOf() : new Map();
    var out = [];
    var representative = new Map();

    groups.forEach(function (group) {
      var folded = state.collapsed.has(group.id);
      out.push({
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
      });
    });

    model.nodes.forEach(function (node) {
      var dataset = datasetOf(node);
      var groupId = dataset && state.grouping ? schemaGroupId(dataset.data) : null;
      var hidden = groupId && state.collapsed.has(groupId) && (dataset.data.id !== state.center);
      if (hidden) {
        representative.set(node.data.id, groupId);
        return;
      }
      representative.set(node.data.id, node.data.id);
      var el = { group: "nodes", data: Object.assign({}, node.data), classes: node.classes };
      if (node.data.type === "dataset" && groupId && !state.collapsed.has(groupId)) el.data.parent = groupId;
      if (node.data.type === "column") {
        // Nest a column in its dataset whenever that dataset is drawn, whichever fetch brought it.
        if (model.nodes.has(node.data.dataset_key)) el.data.parent = node.data.dataset_key;
        else delete el.data.parent;
      }
      out.push(el);
    });

    var merged = new Map();
    model.edges.forEach(function (edge) {
      var s = representative.get(edge.data.source);
      var t = representative.get(edge.data.target);
      if (!s || !t || s === t) return;
      if (s === edge.data.source && t === edge.data.target) {
        out.push(edge);
        return;
      }
      var id = "group-edge:" + s + "->" + t;
      var meta = merged.get(id);
      if (!meta) {
        meta = { group: "edges", data: { id: id, source: s, target: t, count: 0, label: "" }, classes: "grouped" };
        merged.set(id, meta);
        out.push(meta);
      }
      meta.data.count += 1;
      meta.data.label = meta.data.count + (meta.data.count === 1 ? " edge" : " edges");
    });

    // Cytoscape wants a compound parent before its children.
    var rank = { schema: 0, dataset: 1, column: 2 };
    out.sort(function (a, b) {
      if (a.group !== b.group) return a.group === "nodes" ? -1 : 1;
      return (rank[a.data.type] || 0) - (rank[b.data.type] || 0);
    });
    return out;
  }

  // --- drawing -------------------------------------------------------------------

  function draw(options) {
    var elements = visibleElements();
    var drawnNodes = elements.filter(function (el) { return el.group === "nodes"; }).length;
    cy.batch(function () {
      cy.elements().remove();
      cy.add(elements);
    });
    if (!drawnNodes) {
      showStatus(state.query.as_of
        ? "This dataset did not exist yet at the end of " + state.query.as_of + ". Choose a later “as of” date, or clear it."
        : "Nothing to draw for these settings.");
      container.dataset.state = "ready";
      return;
    }
    showStatus("Arranging " + drawnNodes + " nodes…");
    container.dataset.state = "layout";
    var layout = cy.layout({
      name: "dagre",
      rankDir: "LR",
      // Column boxes carry their dataset's title above them, outside dagre's idea of
      // their size: leave room for it.
      nodeSep: state.query.level === "column" ? 56 : 24,
      rankSep: 130,
      edgeSep: 12,
      padding: 30,
      fit: true,
      // Route long edges through dagre's bend points so they never pass behind a node
      // and look like they come out of it.
      useDagreEdgeControlPoints: true,
      automaticDagreEdgeStyle: true,
      animate: !!(options && options.animate) && drawnNodes < 120,
      animationDuration: 250,
    });
    layout.one("layoutstop", function () {
      if (cy.zoom() > 1.4) cy.zoom({ level: 1.4, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
      if (options && options.focus) {
        var focus = cy.getElementById(options.focus);
        if (focus.nonempty()) focus.select();
      }
      hideStatus();
      container.dataset.state = "ready";
      describeSelection();
    });
    // Defer a tick so the "Arranging…" message paints before dagre takes the thread.
    window.setTimeout(function () { layout.run(); }, 0);
  }

  function graphStyle() {
    var font = getComputedStyle(document.body).fontFamily || "sans-serif";
    return [
      {
        selector: "node",
        style: {
          "font-family": font,
          "font-size": 12,
          color: "#1f2933",
          "text-wrap": "wrap",
          "text-valign": "center",
          "text-halign": "center",
          "min-zoomed-font-size": 6,
        },
      },
      {
        selector: "node.dataset",
        style: {
          shape: "round-rectangle",
          width: function (ele) { return Math.max(150, textWidth(nodeLabel(ele), 12) + 30); },
          height: function (ele) { return 22 + 16 * nodeLabel(ele).split("\n").length; },
          label: nodeLabel,
          "line-height": 1.35,
          "background-color": "#ffffff",
          "border-width": 3,
          "border-color": function (ele) { return CLS_COLOURS[ele.data("classification")] || "#7b8794"; },
          "border-style": function (ele) { return CLS_COLOURS[ele.data("classification")] ? "solid" : "dashed"; },
        },
      },
      {
        // A dataset drawn with its columns: a compound box titled with the dataset.
        selector: "node.dataset:parent",
        style: {
          "text-valign": "top",
          "text-halign": "center",
          "text-margin-y": -4,
          "background-color": "#f8f9fb",
          padding: 10,
        },
      },
      {
        selector: "node.column",
        style: {
          shape: "round-rectangle",
          width: function (ele) { return Math.max(110, textWidth(columnLabel(ele), 11) + 20); },
          height: 24,
          label: columnLabel,
          "font-size": 11,
          "background-color": "#ffffff",
          "border-width": function (ele) { return CLS_COLOURS[ele.data("classification")] ? 2 : 1; },
          "border-color": function (ele) { return CLS_COLOURS[ele.data("classification")] || "#c3cad3"; },
        },
      },
      {
        selector: "node.center",
        style: {
          "background-color": "#e8efff",
          "outline-width": 3,
          "outline-color": "#1d4ed8",
          "outline-offset": 3,
          "font-weight": "bold",
        },
      },
      {
        selector: "node.schema.open",
        style: {
          shape: "round-rectangle",
          label: "data(label)",
          "text-valign": "top",
          "text-halign": "center",
          "font-size": 12,
          "font-weight": "bold",
          color: "#52606d",
          "background-color": "#f1f4f8",
          "background-opacity": 0.7,
          "border-width": 1,
          "border-style": "dashed",
          "border-color": "#9aa5b1",
          padding: 14,
        },
      },
      {
        selector: "node.schema.folded",
        style: {
          shape: "round-rectangle",
          label: "data(label)",
          width: function (ele) { return Math.max(170, textWidth(ele.data("label"), 12) + 30); },
          height: 52,
          "background-color": "#eef2f7",
          "border-width": 2,
          "border-style": "double",
          "border-color": "#7b8794",
        },
      },
      {
        selector: "node:selected",
        style: { "overlay-color": "#1d4ed8", "overlay-opacity": 0.12, "overlay-padding": 6 },
      },
      {
        selector: "edge",
        style: {
          width: 1.8,
          "curve-style": "bezier",
          "line-color": "#7b8794",
          "target-arrow-color": "#7b8794",
          "target-arrow-shape": "triangle",
          "arrow-scale": 1.1,
          "font-family": font,
          "font-size": 10,
          color: "#52606d",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.9,
          "text-background-padding": 2,
          "text-rotation": "autorotate",
          "min-zoomed-font-size": 7,
        },
      },
      { selector: "edge.level-column", style: { width: 1.3 } },
      {
        selector: "edge.masked",
        style: {
          "line-style": "dotted",
          "line-color": "#1e7b4a",
          "target-arrow-color": "#1e7b4a",
          width: 3,
          label: "data(label)",
          color: "#1e7b4a",
          "text-background-opacity": 0,
          "text-margin-y": -9,
        },
      },
      {
        selector: "edge.failed",
        style: {
          "line-style": "dashed",
          "line-dash-pattern": [7, 5],
          "line-color": "#b42318",
          "target-arrow-color": "#b42318",
          label: function (ele) { return "failed · " + ele.data("transformation_type"); },
          color: "#b42318",
          "text-background-opacity": 0,
          "text-margin-y": -9,
        },
      },
      {
        selector: "edge.declared",
        style: { "line-style": "dotted" },
      },
      {
        selector: "edge.conflict",
        style: { "line-style": "dashed", "line-dash-pattern": [2, 4] },
      },
      {
        selector: "edge.grouped",
        style: { width: 2.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", label: "data(label)" },
      },
      { selector: "edge.hover", style: { width: 4, "z-index": 10 } },
      { selector: "edge:selected", style: { width: 3.5, "overlay-opacity": 0 } },
      { selector: ".dimmed", style: { opacity: 0.15 } },
      { selector: "edge.lit", style: { width: 3.5, "z-index": 20, opacity: 1 } },
    ];
  }

  function nodeLabel(ele) {
    var d = ele.data();
    if (ele.isParent() && ele.children(".column").nonempty()) {
      return d.label + " · " + (d.schema || d.platform) + "\n" + (d.classification || "unclassified") + tagText(d);
    }
    var where = [d.schema, d.platform].filter(Boolean).join(" · ");
    return [d.label, where, (d.classification || "unclassified") + tagText(d)].join("\n");
  }

  function tagText(d) {
    if (!d.tags || !d.tags.length) return "";
    return "  " + d.tags.map(function (t) { return "[" + String(t).toUpperCase() + "]"; }).join(" ");
  }

  function columnLabel(ele) {
    var d = ele.data();
    var text = d.label + (d.data_type ? "  " + d.data_type.toLowerCase() : "");
    return d.classification ? text + "  (" + d.classification + ")" : text;
  }

  var measureCanvas = document.createElement("canvas").getContext("2d");
  function textWidth(text, size) {
    measureCanvas.font = size + "px " + (getComputedStyle(document.body).fontFamily || "sans-serif");
    return String(text).split("\n").reduce(function (widest, line) {
      return Math.max(widest, measureCanvas.measureText(line).width);
    }, 0);
  }

  // --- fetching --------------------------------------------------------------------

  function fetchLineage(params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (name) {
      if (params[name] !== "" && params[name] !== null && params[name] !== undefined) query.set(name, params[name]);
    });
    state.loading += 1;
    container.dataset.state = "loading";
    return fetch(state.apiUrl + "?" + query.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(explain(response.status, body));
          return body;
        });
      })
      .finally(function () { state.loading -= 1; });
  }

  function explain(status, body) {
    if (status === 401 || status === 403) return "Your session has ended. Reload the page to sign in again.";
    if (status === 404) return "That dataset is no longer in the lineage graph.";
    if (status === 400 && body) {
      return "The lineage settings are not valid: " + Object.keys(body).map(function (field) {
        return field + ": " + [].concat(body[field]).join(" ");
      }).join("; ");
    }
    return (body && body.detail) || "The portal could not load the lineage (HTTP " + status + "). Try again in a moment.";
  }

  /* Double-click or the panel's buttons: one more hop around a dataset, added to the graph. */
  function expand(key, direction) {
    showStatus("Loading one more hop " + (direction === "both" ? "around" : direction + " of") + " " + shortName(key) + "…");
    return fetchLineage({ key: key, depth: 1, direction: direction, level: state.query.level, as_of: state.query.as_of })
      .then(function (body) {
        var before = model.nodes.size;
        merge(body.elements);
        if (!state.grouping && model.nodes.size > COLLAPSE_AT) {
          state.grouping = true;
          foldGroups([state.center, key]);
        }
        var added = model.nodes.size - before;
        showBanner(added ? null : "Nothing new " + (direction === "both" ? "around" : direction + " of") + " " + shortName(key) + " within one hop.", "info");
        draw({ animate: true, focus: key });
      })
      .catch(function (error) { hideStatus(); showBanner(error.message, "error"); });
  }

  /* A control changed: fetch the centre's neighbourhood again with the new settings. */
  function reload() {
    showStatus("Loading the lineage…");
    return fetchLineage({ key: state.center, depth: state.query.depth, direction: state.query.direction, level: state.query.level, as_of: state.query.as_of })
      .then(function (body) {
        reset(body.elements);
        showBanner(truncationNote(body.truncated), "warning");
        draw({ focus: state.center });
        if (controls && state.lineageUrl) {
          var url = new URL(state.lineageUrl, window.location.href);
          url.searchParams.set("dataset", state.center);
          ["depth", "direction", "level", "as_of"].forEach(function (name) {
            if (state.query[name]) url.searchParams.set(name, state.query[name]);
          });
          window.history.replaceState(null, "", url);
        }
      })
      .catch(function (error) { hideStatus(); showBanner(error.message, "error"); });
  }

  function truncationNote(truncated) {
    if (!truncated) return null;
    return "This neighbourhood is larger than the portal draws at once, so only part of it is shown. Lower the depth, pick one direction, or centre the graph on a dataset closer to what you need.";
  }

  // --- side panel ------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") el.textContent = attrs[name];
      else if (name === "onclick") el.addEventListener("click", attrs[name]);
      else el.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      if (child) el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }

  function facts(rows) {
    var dl = h("dl", { class: "facts" });
    rows.forEach(function (row) {
      if (row[1] === undefined || row[1] === null || row[1] === "") return;
      dl.appendChild(h("dt", { text: row[0] }));
      dl.appendChild(typeof row[1] === "string" || typeof row[1] === "number" ? h("dd", { text: String(row[1]), class: row[2] || "" }) : h("dd", {}, [row[1]]));
    });
    return dl;
  }

  function classificationBadge(data) {
    var level = data.classification || "unclassified";
    return h("span", { class: "badge cls-badge cls-" + level, text: level });
  }

  function showPanel(children) {
    if (!panel) return;
    panel.replaceChildren.apply(panel, children.filter(Boolean));
  }

  function describeSelection() {
    var selected = cy.nodes(":selected");
    if (selected.nonempty()) describeNode(selected[0]);
    else describeGraph();
  }

  function describeGraph() {
    var datasets = cy.nodes(".dataset").length;
    var edges = cy.edges().length;
    var center = model.nodes.get(state.center);
    showPanel([
      h("div", { class: "eyebrow", text: "Lineage" }),
      h("h2", { text: center ? center.data.label : shortName(state.center) }),
      h("p", { class: "muted", text: datasets + " dataset" + (datasets === 1 ? "" : "s") + " and " + edges + " edge" + (edges === 1 ? "" : "s") + " drawn" + (state.collapsed.size ? ", " + state.collapsed.size + " schema group" + (state.collapsed.size === 1 ? "" : "s") + " folded" : "") + "." }),
      h("p", { class: "placeholder", text: "Click a dataset to see its details here. Double-click it to expand one more hop. Hover an edge for the job that moved the data." }),
    ]);
  }

  function describeNode(node) {
    var d = node.data();
    if (d.type === "schema") return describeGroup(node);
    if (d.type === "column") return describeColumn(node);
    var tags = (d.tags || []).map(function (t) { return h("span", { class: "pill", text: String(t) }); });
    var isCenter = d.id === state.center;
    showPanel([
      h("div", { class: "eyebrow", text: (isCenter ? "Centre · " : "") + (d.kind || "dataset") }),
      h("h2", { text: d.label }),
      h("div", { class: "tags" }, [classificationBadge(d)].concat(tags)),
      facts([
        ["Key", d.id, "key"],
        ["Platform", d.platform],
        ["Database", d.database],
        ["Schema", d.schema],
        ["Kind", d.kind],
        ["Object id", d.object_id, "key"],
        ["Steward", d.steward],
        ["Masking", d.masking_policy],
        ["Review", d.review_state ? String(d.review_state).replace(/_/g, " ") + (d.next_review_due ? ", due " + d.next_review_due : "") : ""],
        ["Columns", node.isParent() ? node.children().length : ""],
      ]),
      h("div", { class: "panel-actions" }, [
        h("button", { type: "button", class: "button small secondary", "data-expand": "upstream", onclick: function () { expand(d.id, "upstream"); } }, ["← Expand upstream"]),
        h("button", { type: "button", class: "button small secondary", "data-expand": "downstream", onclick: function () { expand(d.id, "downstream"); } }, ["Expand downstream →"]),
      ]),
      h("div", { class: "panel-links" }, [
        d.url ? h("a", { href: d.url, text: "Open the dataset page" }) : h("span", { class: "faint", text: "Not in the catalog yet: seen only in lineage." }),
        isCenter || !state.lineageUrl ? null : h("a", { href: centredUrl(d.id), text: "Centre the lineage on this dataset" }),
      ]),
    ]);
  }

  function describeColumn(node) {
    var d = node.data();
    var dataset = model.nodes.get(d.dataset_key);
    showPanel([
      h("div", { class: "eyebrow", text: "Column" }),
      h("h2", { text: d.label }),
      h("div", { class: "tags" }, [classificationBadge(d)]),
      facts([
        ["Key", d.id, "key"],
        ["Dataset", dataset ? dataset.data.name : d.dataset_key],
        ["Data type", d.data_type],
        ["Masking", d.masking_policy],
      ]),
      h("div", { class: "panel-actions" }, [
        h("button", { type: "button", class: "button small secondary", onclick: function () { expand(d.dataset_key, "upstream"); } }, ["← Expand upstream"]),
        h("button", { type: "button", class: "button small secondary", onclick: function () { expand(d.dataset_key, "downstream"); } }, ["Expand downstream →"]),
      ]),
      h("div", { class: "panel-links" }, [
        dataset && dataset.data.url ? h("a", { href: dataset.data.url + "#col-" + encodeURIComponent(d.name), text: "Open the dataset page" }) : null,
      ]),
    ]);
  }

  function describeGroup(node) {
    var d = node.data();
    var folded = state.collapsed.has(d.id);
    showPanel([
      h("div", { class: "eyebrow", text: "Schema group" }),
      h("h2", { text: d.schema }),
      facts([["Platform", d.platform], ["Database", d.database], ["Datasets", d.count]]),
      h("p", { class: "muted", text: folded ? "Folded so that this large graph stays responsive. Open it to draw its datasets." : "Open: its datasets are drawn inside the box." }),
      h("div", { class: "panel-actions" }, [
        h("button", { type: "button", class: "button small", onclick: function () { toggleGroup(d.id); } }, [folded ? "Open this group" : "Fold this group"]),
      ]),
    ]);
  }

  function toggleGroup(groupId) {
    if (state.collapsed.has(groupId)) state.collapsed.delete(groupId);
    else state.collapsed.add(groupId);
    draw({ animate: true, focus: groupId });
  }

  function centredUrl(key) {
    var url = new URL(state.lineageUrl, window.location.href);
    url.searchParams.set("dataset", key);
    ["depth", "direction", "level", "as_of"].forEach(function (name) {
      if (state.query[name]) url.searchParams.set(name, state.query[name]);
    });
    return url.pathname + url.search;
  }

  function shortName(key) {
    var node = model.nodes.get(key);
    if (node) return node.data.label;
    return String(key).split("/").pop().split(".").pop();
  }

  // --- edge tooltip ---------------------------------------------------------------------------

  function showTooltip(edge, event) {
    if (!tooltip) return;
    var d = edge.data();
    var children;
    if (edge.hasClass("grouped")) {
      children = [h("div", { class: "title", text: d.label + " between these groups" }), h("div", { text: "Open the schema group to see each one." })];
    } else {
      var masked = edge.hasClass("masked");
      var failed = edge.hasClass("failed");
      children = [
        h("div", { class: "title", text: d.transformation_type + (d.level === "column" ? " (column)" : "") }),
        facts([
          ["Job", d.job || "—"],
          ["Version", d.job_version],
          ["Last run", formatTime(d.last_seen)],
          ["First seen", formatTime(d.first_seen)],
          ["Status", d.execution_status || "—", failed ? "bad" : ""],
          ["Runs", d.run_count],
          ["Value", masked ? MASKED_LABEL + " " + d.masking + " on the way" : d.masking, masked ? "masked" : ""],
          ["How", d.description],
          ["Query", d.query_id],
          ["Said by", whoSaid(d)],
          ["Other claim", otherClaim(d.other_claim), d.conflict ? "bad" : ""],
        ]),
      ];
    }
    tooltip.replaceChildren.apply(tooltip, children);
    tooltip.hidden = false;
    moveTooltip(event);
  }

  // Whose word an edge is: the warehouse's query history, dbt, or an OpenLineage producer.
  function whoSaid(d) {
    if (d.origin !== "openlineage") return d.origin === "dbt" ? "dbt artifacts" : "the warehouse's query history";
    var who = "OpenLineage";
    if (d.producer) who += " (" + d.producer + ")";
    if (d.posted_by) who += ", posted by " + d.posted_by;
    return who;
  }

  function otherClaim(claim) {
    if (!claim) return "";
    var text = (claim.origin === "openlineage" ? "OpenLineage" : claim.origin) + " says " +
      (claim.masking || "?") + (claim.masked ? " (masked)" : "") + ", " + (claim.execution_status || "?");
    if (claim.posted_by) text += ", posted by " + claim.posted_by;
    text += " on " + formatTime(claim.last_seen);
    return text;
  }

  function moveTooltip(event) {
    if (!tooltip || tooltip.hidden || !event.originalEvent) return;
    var x = event.originalEvent.clientX + 14;
    var y = event.originalEvent.clientY + 14;
    var box = tooltip.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) x = event.originalEvent.clientX - box.width - 14;
    if (y + box.height > window.innerHeight - 8) y = event.originalEvent.clientY - box.height - 14;
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }

  function formatTime(iso) {
    if (!iso) return "";
    var when = new Date(iso);
    if (isNaN(when)) return iso;
    var days = Math.floor((Date.now() - when.getTime()) / 86400000);
    var ago = days <= 0 ? "today" : days === 1 ? "yesterday" : days + " days ago";
    return when.toISOString().slice(0, 16).replace("T", " ") + " UTC (" + ago + ")";
  }

  // --- status messages -------------------------------------------------------------------------

  function showStatus(text) {
    if (!statusBox) return;
    statusBox.textContent = text;
    statusBox.hidden = false;
  }

  function hideStatus() {
    if (statusBox) statusBox.hidden = true;
  }

  function showBanner(text, kind) {
    if (!banner) return;
    banner.hidden = !text;
    banner.className = "notice graph-banner " + (kind || "warning");
    banner.textContent = text || "";
  }

  // --- events ------------------------------------------------------------------------------------

  cy.on("tap", "node", function (event) {
    cy.elements().unselect();
    event.target.select();
    describeNode(event.target);
  });
  cy.on("tap", function (event) {
    if (event.target === cy) {
      cy.elements().unselect();
      describeGraph();
    }
  });
  cy.on("dbltap", "node", function (event) {
    var d = event.target.data();
    if (d.type === "schema") toggleGroup(d.id);
    else expand(d.type === "column" ? d.dataset_key : d.id, "both");
  });
  cy.on("mouseover", "edge", function (event) {
    event.target.addClass("hover");
    showTooltip(event.target, event);
  });
  cy.on("mousemove", "edge", moveTooltip);
  cy.on("mouseout", "edge", function (event) {
    event.target.removeClass("hover");
    if (tooltip) tooltip.hidden = true;
  });
  cy.on("mouseover", "node", function () { container.style.cursor = "pointer"; });
  cy.on("mouseout", "node", function () { container.style.cursor = ""; });

  document.querySelectorAll("[data-graph-fit]").forEach(function (button) {
    button.addEventListener("click", function () { cy.fit(undefined, 30); });
  });
  document.querySelectorAll("[data-graph-export]").forEach(function (button) {
    button.addEventListener("click", function () {
      var blob = cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff", maxWidth: 8000, maxHeight: 8000 });
      var link = h("a", { href: URL.createObjectURL(blob), download: "lineage-" + shortName(state.center) + ".png" });
      document.body.appendChild(link);
      link.click();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    });
  });

  // The PDF report follows what is drawn now: the centre and the controls' current values.
  document.querySelectorAll("[data-pdf-export]").forEach(function (link) {
    link.addEventListener("click", function () {
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("dataset", state.center);
      ["depth", "direction", "as_of"].forEach(function (name) {
        if (state.query[name]) url.searchParams.set(name, state.query[name]);
        else url.searchParams.delete(name);
      });
      link.href = url.toString();
    });
  });

  if (controls) {
    // With JavaScript the controls apply at once; without it the form submits as a GET.
    controls.addEventListener("change", function (event) {
      var field = event.target;
      if (!field.name || !(field.name in state.query)) return;
      if (field.name === "depth") {
        var depth = parseInt(field.value, 10);
        var max = parseInt(field.max, 10) || 10;
        if (!(depth >= 1 && depth <= max)) {
          showBanner("Depth must be a whole number from 1 to " + max + ".", "error");
          return;
        }
      }
      state.query[field.name] = field.value;
      reload();
    });
    controls.addEventListener("submit", function (event) {
      event.preventDefault();
      reload();
    });
  }

  // --- highlight: light given edges (and the nodes they join), dim the rest ------------------

  function highlight(edgeIds) {
    var lit = cy.collection();
    (edgeIds || []).forEach(function (id) {
      var edge = cy.getElementById(id);
      if (edge.nonempty() && edge.isEdge()) lit.merge(edge).merge(edge.connectedNodes());
    });
    cy.batch(function () {
      cy.elements().removeClass("lit dimmed");
      // A dataset box holding lit columns stays readable: it says where they live.
      var keep = lit.union(lit.parents());
      cy.elements().difference(keep).addClass("dimmed");
      lit.edges().addClass("lit");
    });
    return lit.edges().length;
  }

  function clearHighlight() {
    cy.elements().removeClass("lit dimmed");
  }

  // Other scripts of the page (the exposure highlight) light edges through this.
  window.lineageExplorer = { highlight: highlight, clearHighlight: clearHighlight };

  reset(initial.elements);
  showBanner(truncationNote(initial.truncated), "warning");
  draw({ focus: null });
})();
