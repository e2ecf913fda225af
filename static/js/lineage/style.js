/* How the lineage graph looks: cytoscape styles, sizes of the column-level rows, text widths.
 *
 * Column level draws a table as a card: a title row, then one row per column. The sizes
 * here are in graph units; layout.js stacks rows with them and checks that, at the zoom
 * that fits the graph on screen, a row's text is at least MIN_READABLE_PX tall.
 */

export const CLS_COLOURS = {
  restricted: "#9b1c1c",
  confidential: "#c2570c",
  internal: "#1d5fbf",
  public: "#6b7280",
};
export const ROW = { height: 24, font: 13, titleHeight: 40, titleFont: 13, minWidth: 190, maxWidth: 300 };
export const MIN_READABLE_PX = 9;
export const UNMASKED = "#b42318";
export const MASKED = "#1e7b4a";

// Read once: style functions run several times per node, and a thousand nodes must not
// each force a style recalculation and a canvas measurement.
const FONT = getComputedStyle(document.body).fontFamily || "sans-serif";
const fontFamily = () => FONT;
const measureCanvas = document.createElement("canvas").getContext("2d");
const widths = new Map();

export function textWidth(text, size, weight) {
  const key = (weight || "") + "|" + size + "|" + text;
  if (widths.has(key)) return widths.get(key);
  measureCanvas.font = (weight || "") + " " + size + "px " + FONT;
  const width = String(text).split("\n").reduce((widest, line) => Math.max(widest, measureCanvas.measureText(line).width), 0);
  widths.set(key, width);
  return width;
}

function clsColour(ele, fallback) {
  return CLS_COLOURS[ele.data("classification")] || fallback;
}

export function tagText(d) {
  if (!d.tags || !d.tags.length) return "";
  return "  " + d.tags.map((t) => "[" + String(t).toUpperCase() + "]").join(" ");
}

export function nodeLabel(ele) {
  return datasetText(ele.data());
}

/* A table's box text, and its size: computed once per drawing (model.js stores them on the
 * element) so that cytoscape reads plain data instead of calling functions per node. */
export function datasetText(d) {
  const where = [d.schema, d.platform].filter(Boolean).join(" · ");
  const folded = d.hidden_columns ? "\n▸ " + d.hidden_columns + " column" + (d.hidden_columns === 1 ? "" : "s") + " folded" : "";
  return [d.label, where, (d.classification || "unclassified") + tagText(d)].join("\n") + folded;
}

export function columnLabel(ele) {
  const d = ele.data();
  const type = d.data_type ? "  " + d.data_type.toLowerCase() : "";
  const lock = d.masking_policy ? "  \uD83D\uDD12" : "";
  return d.label + type + lock;
}

export function datasetBox(d) {
  const text = datasetText(d);
  return { box_text: text, box_w: Math.max(150, textWidth(text, 12) + 30), box_h: 22 + 16 * text.split("\n").length };
}

export function graphStyle() {
  const font = fontFamily();
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
        width: "data(box_w)",
        height: "data(box_h)",
        label: "data(box_text)",
        "line-height": 1.35,
        "background-color": "#ffffff",
        "border-width": 3,
        "border-color": "#7b8794",
        "border-style": "dashed",
      },
    },
    // Classification colours by class (the server sets cls-<level>), not per-node functions.
    ...Object.keys(CLS_COLOURS).map((level) => ({
      selector: "node.dataset.cls-" + level,
      style: { "border-color": CLS_COLOURS[level], "border-style": "solid" },
    })),
    {
      // A table drawn with its columns: a card whose title and rows are its children.
      selector: "node.dataset:parent",
      style: { label: "", "background-color": "#ffffff", padding: 0, "border-width": 3, shape: "round-rectangle" },
    },
    {
      selector: "node.title",
      style: {
        shape: "rectangle",
        width: "data(width)",
        height: ROW.titleHeight,
        label: "data(label)",
        "font-size": ROW.titleFont,
        "font-weight": "bold",
        "text-halign": "center",
        "line-height": 1.3,
        "background-color": "#eef2f7",
        "border-width": 0,
        events: "yes",
      },
    },
    {
      selector: "node.column",
      style: {
        shape: "rectangle",
        width: (ele) => ele.data("width") || Math.max(110, textWidth(columnLabel(ele), ROW.font) + 20),
        height: ROW.height,
        label: columnLabel,
        "font-size": ROW.font,
        "text-halign": "center",
        "background-color": "#ffffff",
        "border-width": 0,
        // A classified column shows its classification colour as a tint of its row.
        "underlay-color": (ele) => clsColour(ele, "#ffffff"),
        "underlay-opacity": (ele) => (CLS_COLOURS[ele.data("classification")] ? 0.16 : 0),
        "underlay-padding": 0,
      },
    },
    { selector: "node.column.sensitive", style: { "font-weight": "bold" } },
    {
      selector: "node.more",
      style: {
        shape: "rectangle",
        width: "data(width)",
        height: ROW.height,
        label: "data(label)",
        "font-size": 12,
        color: "#1d4ed8",
        "background-color": "#f8f9fb",
        "border-width": 0,
      },
    },
    {
      selector: "node.center",
      style: { "background-color": "#e8efff", "outline-width": 3, "outline-color": "#1d4ed8", "outline-offset": 3, "font-weight": "bold" },
    },
    { selector: "node.dataset.center:parent", style: { "background-color": "#ffffff" } },
    { selector: "node.focus", style: { "background-color": "#fff3bf", "font-weight": "bold" } },
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
        width: (ele) => Math.max(170, textWidth(ele.data("label"), 12) + 30),
        height: 52,
        "background-color": "#eef2f7",
        "border-width": 2,
        "border-style": "double",
        "border-color": "#7b8794",
      },
    },
    { selector: "node:selected", style: { "overlay-color": "#1d4ed8", "overlay-opacity": 0.12, "overlay-padding": 4 } },
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
    // Column rows are joined side to side: straight-ish curves read better than dagre's bends.
    { selector: "edge.level-column", style: { width: 1.4, "curve-style": "straight", "source-endpoint": "50% 0%", "target-endpoint": "-50% 0%" } },
    {
      selector: "edge.masked",
      style: {
        "line-style": "dotted",
        "line-color": MASKED,
        "target-arrow-color": MASKED,
        width: 3,
        label: "data(label)",
        color: MASKED,
        "text-background-opacity": 0,
        "text-margin-y": -9,
      },
    },
    { selector: "edge.level-column.masked", style: { label: "" } },
    {
      // Used to filter or join: the value itself is not copied. Faint, fine dots.
      selector: "edge.indirect",
      style: { "line-style": "dotted", "line-dash-pattern": [2, 4], width: 1, opacity: 0.55, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", label: "" },
    },
    { selector: "edge.grouped", style: { width: 2.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", label: "data(label)" } },
    {
      // A sensitive value arrives readable: the one thing a steward must see at a glance.
      selector: "edge.unmasked-regulated",
      style: { "line-color": UNMASKED, "target-arrow-color": UNMASKED, width: 3 },
    },
    {
      selector: "edge.failed",
      style: {
        "line-style": "dashed",
        "line-dash-pattern": [7, 5],
        "line-color": "#b42318",
        "target-arrow-color": "#b42318",
        label: (ele) => "failed · " + ele.data("transformation_type"),
        color: "#b42318",
        "text-background-opacity": 0,
        "text-margin-y": -9,
      },
    },
    // Declared (a dbt manifest alone, an OpenLineage JobEvent), never seen running.
    { selector: "edge.declared", style: { "line-style": "dotted" } },
    // Two origins disagree about this edge: both claims are shown in its tooltip.
    { selector: "edge.conflict", style: { "line-style": "dashed", "line-dash-pattern": [2, 4] } },
    { selector: "edge.hover", style: { width: 4, "z-index": 10 } },
    { selector: "edge:selected", style: { width: 3.5, "overlay-opacity": 0 } },
    // Highlight mode: everything but the given paths fades.
    { selector: ".dimmed", style: { opacity: 0.15, "underlay-opacity": 0 } },
    { selector: "edge.lit", style: { width: 3.5, "z-index": 20, opacity: 1 } },
    { selector: "node.lit", style: { "background-color": "#fff3bf" } },
  ];
}
