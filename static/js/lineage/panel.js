/* The side panel, the edge tooltip and the status messages around the graph.
 *
 * `createPanel(view)` gets what it needs from the page: the cytoscape instance, the page
 * state and model, its DOM boxes, and the actions its buttons call (expand, fold…).
 */

export function h(tag, attrs, children) {
  const el = document.createElement(tag);
  Object.keys(attrs || {}).forEach((name) => {
    if (name === "text") el.textContent = attrs[name];
    else if (name === "onclick") el.addEventListener("click", attrs[name]);
    else el.setAttribute(name, attrs[name]);
  });
  (children || []).forEach((child) => {
    if (child) el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return el;
}

function facts(rows) {
  const dl = h("dl", { class: "facts" });
  rows.forEach((row) => {
    if (row[1] === undefined || row[1] === null || row[1] === "") return;
    dl.appendChild(h("dt", { text: row[0] }));
    dl.appendChild(typeof row[1] === "string" || typeof row[1] === "number" ? h("dd", { text: String(row[1]), class: row[2] || "" }) : h("dd", {}, [row[1]]));
  });
  return dl;
}

function classificationBadge(data) {
  const level = data.classification || "unclassified";
  return h("span", { class: "badge cls-badge cls-" + level, text: level });
}

function tagPills(data) {
  return (data.tags || []).map((t) => h("span", { class: "pill", text: String(t) }));
}

export function formatTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (isNaN(when)) return iso;
  const days = Math.floor((Date.now() - when.getTime()) / 86400000);
  const ago = days <= 0 ? "today" : days === 1 ? "yesterday" : days + " days ago";
  return when.toISOString().slice(0, 16).replace("T", " ") + " UTC (" + ago + ")";
}

export function createPanel(view) {
  const { cy, state, model, boxes, actions } = view;

  function show(children) {
    if (!boxes.panel) return;
    boxes.panel.replaceChildren(...children.filter(Boolean));
  }

  function shortName(key) {
    const node = model.nodes.get(key);
    if (node) return node.data.label;
    return String(key).split("/").pop().split(".").pop();
  }

  function columnName(key) {
    const node = model.nodes.get(key);
    if (!node) return String(key);
    if (node.data.type !== "column") return node.data.name || node.data.label;
    const table = model.nodes.get(node.data.dataset_key);
    return (table ? table.data.label : shortName(node.data.dataset_key)) + "." + node.data.label;
  }

  function describeGraph() {
    const datasets = cy.nodes(".dataset").length;
    const edges = cy.edges().length;
    const center = model.nodes.get(state.center);
    const folded = state.collapsed.size ? ", " + state.collapsed.size + " schema group" + (state.collapsed.size === 1 ? "" : "s") + " folded" : "";
    show([
      h("div", { class: "eyebrow", text: "Lineage" }),
      h("h2", { text: center ? center.data.label : shortName(state.center) }),
      h("p", { class: "muted", text: datasets + " dataset" + (datasets === 1 ? "" : "s") + " and " + edges + " edge" + (edges === 1 ? "" : "s") + " drawn" + folded + "." }),
      h("p", { class: "placeholder", text: state.query.level === "column"
        ? "Click a column to light its whole path upstream and downstream; Esc clears. Click a table's title for its details."
        : "Click a dataset to see its details here. Double-click it to expand one more hop. Hover an edge for the job that moved the data." }),
    ]);
  }

  function describeNode(node) {
    const d = node.data();
    if (d.type === "schema") return describeGroup(node);
    if (d.type === "column") return describeColumn(node);
    if (d.type === "title" || d.type === "more") return describeNode(cy.getElementById(d.dataset_key));
    const isCenter = d.id === state.center;
    const columnsDrawn = node.children(".column").length;
    const columnLevel = state.query.level === "column";
    show([
      h("div", { class: "eyebrow", text: (isCenter ? "Centre · " : "") + (d.kind || "dataset") }),
      h("h2", { text: d.label }),
      h("div", { class: "tags" }, [classificationBadge(d)].concat(tagPills(d))),
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
        ["Columns", columnLevel ? columnsDrawn + " drawn" + (d.hidden_columns ? ", " + d.hidden_columns + " folded" : "") : ""],
      ]),
      h("div", { class: "panel-actions" }, [
        h("button", { type: "button", class: "button small secondary", "data-expand": "upstream", onclick: () => actions.expand(d.id, "upstream") }, ["← Expand upstream"]),
        h("button", { type: "button", class: "button small secondary", "data-expand": "downstream", onclick: () => actions.expand(d.id, "downstream") }, ["Expand downstream →"]),
        columnLevel ? columnsButton(d, columnsDrawn) : null,
      ]),
      h("div", { class: "panel-links" }, [
        d.url ? h("a", { href: d.url, text: "Open the dataset page" }) : h("span", { class: "faint", text: "Not in the catalog yet: seen only in lineage." }),
        isCenter || !state.lineageUrl ? null : h("a", { href: actions.centredUrl(d.id), text: "Centre the lineage on this dataset" }),
      ]),
    ]);
  }

  /* Fold a table's rows away, bring them back, or (when none has lineage) list them all. */
  function columnsButton(d, drawn) {
    const closed = state.closedTables.has(d.id);
    const none = !closed && !drawn;
    const label = closed ? "Show its columns" : none ? "Show all its columns" : "Hide its columns";
    const act = none ? () => actions.toggleAllColumns(d.id) : () => actions.toggleTable(d.id);
    return h("button", { type: "button", class: "button small secondary", "data-toggle-columns": d.id, onclick: act }, [label]);
  }

  function describeColumn(node) {
    const d = node.data();
    const dataset = model.nodes.get(d.dataset_key);
    const lit = cy.edges(".lit").length;
    show([
      h("div", { class: "eyebrow", text: "Column" + (d.sensitive ? " · regulated data" : d.carries_sensitive ? " · holds a regulated value, unmasked" : "") }),
      h("h2", { text: d.label }),
      h("div", { class: "tags" }, [classificationBadge(d)].concat(tagPills(d))),
      facts([
        ["Key", d.id, "key"],
        ["Dataset", dataset ? dataset.data.name : d.dataset_key],
        ["Data type", d.data_type],
        ["Masking", d.masking_policy ? "\uD83D\uDD12 " + d.masking_policy : ""],
        ["Steward", d.steward],
        ["Path", lit ? lit + " edge" + (lit === 1 ? "" : "s") + " lit, upstream and downstream (Esc clears)" : "no column lineage drawn"],
      ]),
      h("div", { class: "panel-actions" }, [
        h("button", { type: "button", class: "button small secondary", onclick: () => actions.expand(d.dataset_key, "upstream") }, ["← Expand upstream"]),
        h("button", { type: "button", class: "button small secondary", onclick: () => actions.expand(d.dataset_key, "downstream") }, ["Expand downstream →"]),
      ]),
      h("div", { class: "panel-links" }, [
        dataset && dataset.data.url ? h("a", { href: dataset.data.url + "#col-" + encodeURIComponent(d.name), text: "Open the dataset page" }) : null,
        state.lineageUrl ? h("a", { href: actions.columnUrl(d.id), text: "Link to this column's lineage" }) : null,
      ]),
    ]);
  }

  function describeGroup(node) {
    const d = node.data();
    const folded = state.collapsed.has(d.id);
    show([
      h("div", { class: "eyebrow", text: "Schema group" }),
      h("h2", { text: d.schema }),
      facts([["Platform", d.platform], ["Database", d.database], ["Datasets", d.count]]),
      h("p", { class: "muted", text: folded ? "Folded so that this large graph stays responsive. Open it to draw its datasets." : "Open: its datasets are drawn inside the box." }),
      h("div", { class: "panel-actions" }, [
        h("button", { type: "button", class: "button small", onclick: () => actions.toggleGroup(d.id) }, [folded ? "Open this group" : "Fold this group"]),
      ]),
    ]);
  }

  function describeSelection() {
    const selected = cy.nodes(":selected");
    if (selected.nonempty()) describeNode(selected[0]);
    else describeGraph();
  }

  // --- edge tooltip -----------------------------------------------------------------

  function edgeFacts(d, edge) {
    const failed = edge.hasClass("failed");
    const exposed = edge.hasClass("unmasked-regulated");
    const value = d.value_text || d.masking;
    return facts([
      ["From", columnName(d.source)],
      ["To", columnName(d.target)],
      ["Value", (edge.hasClass("masked") ? "\uD83D\uDD12 " : "") + value, exposed ? "bad" : edge.hasClass("masked") ? "masked" : ""],
      ["Regulated", exposed ? "a sensitive value arrives readable" : ""],
      ["Job", d.job || "—"],
      ["Version", d.job_version],
      ["Last run", formatTime(d.last_seen)],
      ["First seen", formatTime(d.first_seen)],
      ["Status", d.execution_status || "—", failed ? "bad" : ""],
      ["Runs", d.run_count],
      ["How", d.description],
      ["Query", d.query_id],
      ["Said by", whoSaid(d)],
      ["Other claim", otherClaim(d.other_claim), d.conflict ? "bad" : ""],
    ]);
  }

  // Whose word an edge is: the warehouse's query history, dbt, or an OpenLineage producer.
  function whoSaid(d) {
    if (d.origin !== "openlineage") return d.origin === "dbt" ? "dbt artifacts" : "the warehouse's query history";
    let who = "OpenLineage";
    if (d.producer) who += " (" + d.producer + ")";
    if (d.posted_by) who += ", posted by " + d.posted_by;
    return who;
  }

  function otherClaim(claim) {
    if (!claim) return "";
    let text = (claim.origin === "openlineage" ? "OpenLineage" : claim.origin) + " says " +
      (claim.masking || "?") + (claim.masked ? " (masked)" : "") + ", " + (claim.execution_status || "?");
    if (claim.posted_by) text += ", posted by " + claim.posted_by;
    text += " on " + formatTime(claim.last_seen);
    return text;
  }

  function showTooltip(edge, event) {
    if (!boxes.tooltip) return;
    const d = edge.data();
    let children;
    if (edge.hasClass("grouped")) {
      children = [h("div", { class: "title", text: d.label + " between these" }), h("div", { text: "Open the group or show the table's columns to see each one." })];
    } else {
      children = [h("div", { class: "title", text: d.transformation_type + (d.level === "column" ? " (column)" : "") }), edgeFacts(d, edge)];
    }
    boxes.tooltip.replaceChildren(...children);
    boxes.tooltip.hidden = false;
    moveTooltip(event);
  }

  function moveTooltip(event) {
    const tooltip = boxes.tooltip;
    if (!tooltip || tooltip.hidden || !event.originalEvent) return;
    let x = event.originalEvent.clientX + 14;
    let y = event.originalEvent.clientY + 14;
    const box = tooltip.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) x = event.originalEvent.clientX - box.width - 14;
    if (y + box.height > window.innerHeight - 8) y = event.originalEvent.clientY - box.height - 14;
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }

  function hideTooltip() {
    if (boxes.tooltip) boxes.tooltip.hidden = true;
  }

  // --- status messages ----------------------------------------------------------------

  function showStatus(text) {
    if (!boxes.status) return;
    boxes.status.textContent = text;
    boxes.status.hidden = false;
  }

  function hideStatus() {
    if (boxes.status) boxes.status.hidden = true;
  }

  function showBanner(text, kind) {
    if (!boxes.banner) return;
    boxes.banner.hidden = !text;
    boxes.banner.className = "notice graph-banner " + (kind || "warning");
    boxes.banner.textContent = text || "";
  }

  return { describeGraph, describeNode, describeSelection, showTooltip, moveTooltip, hideTooltip, showStatus, hideStatus, showBanner, shortName };
}
