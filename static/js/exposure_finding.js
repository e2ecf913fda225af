/* A finding's path(s), drawn: only the path's nodes, source on the left, exposed asset on
 * the right (cytoscape + dagre, left to right).
 *
 * Elements come from <script id="finding-graph-data"> (governance/exposure/drawing.py):
 * a node per column the value passes through, bordered in its classification's colour;
 * an edge per hop, classed unmasked / unknown / masked so a readable copy stands out from
 * a masked one. Hover an edge for what ran and what it did to the value. The cytoscape
 * instance is window.exposureGraph (tests read it).
 */
(function () {
  "use strict";

  var CLS = { restricted: "#9b1c1c", confidential: "#c2570c", internal: "#1d5fbf", public: "#6b7280" };
  var EDGE = { unmasked: "#b42318", unknown: "#9a5b00", masked: "#1e7b4a" };

  var dataScript = document.getElementById("finding-graph-data");
  var container = document.getElementById("finding-graph");
  if (!dataScript || !container) return;
  if (typeof window.cytoscape !== "function") {
    container.textContent = "The graph library did not load, so the path cannot be drawn; the hops below say the same.";
    return;
  }
  var elements = JSON.parse(dataScript.textContent);
  var font = getComputedStyle(document.body).fontFamily || "sans-serif";

  function label(ele) {
    var role = ele.data("role");
    var prefix = role === "source" ? "SOURCE · " : role === "target" ? "EXPOSED · " : "";
    return prefix + ele.data("label") + "\n" + (ele.data("classification") || "unclassified");
  }

  var cy = window.cytoscape({
    container: container,
    elements: elements,
    minZoom: 0.3,
    maxZoom: 2,
    userZoomingEnabled: false,
    boxSelectionEnabled: false,
    autoungrabify: true,
    style: [
      {
        selector: "node",
        style: {
          shape: "round-rectangle",
          label: label,
          "font-family": font,
          "font-size": 12,
          "text-wrap": "wrap",
          "text-valign": "center",
          "text-halign": "center",
          "line-height": 1.35,
          width: function (ele) { return Math.max(150, 7.2 * Math.max.apply(null, label(ele).split("\n").map(function (l) { return l.length; })) + 24); },
          height: 62,
          "background-color": "#ffffff",
          "border-width": 3,
          "border-color": function (ele) { return CLS[ele.data("classification")] || "#7b8794"; },
          "border-style": function (ele) { return CLS[ele.data("classification")] ? "solid" : "dashed"; },
          color: "#1f2933",
        },
      },
      { selector: "node.source", style: { "background-color": "#fff5f5", "border-width": 5, "font-weight": "bold" } },
      { selector: "node.target", style: { "background-color": "#fffbeb", "border-width": 5, "font-weight": "bold" } },
      {
        selector: "edge",
        style: {
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "arrow-scale": 1.2,
          width: 3,
          label: "data(masking)",
          "font-family": font,
          "font-size": 11,
          "text-rotation": "autorotate",
          "text-margin-y": -10,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2,
        },
      },
      { selector: "edge.unmasked", style: { "line-color": EDGE.unmasked, "target-arrow-color": EDGE.unmasked, color: EDGE.unmasked, width: 4 } },
      { selector: "edge.unknown", style: { "line-color": EDGE.unknown, "target-arrow-color": EDGE.unknown, color: EDGE.unknown, "line-style": "dashed" } },
      { selector: "edge.masked", style: { "line-color": EDGE.masked, "target-arrow-color": EDGE.masked, color: EDGE.masked, "line-style": "dotted" } },
    ],
  });
  window.exposureGraph = cy;

  var layout = cy.layout({ name: "dagre", rankDir: "LR", rankSep: 150, nodeSep: 30, padding: 24, fit: true });
  layout.one("layoutstop", function () {
    if (cy.zoom() > 1.2) cy.zoom({ level: 1.2, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
    cy.center();
    container.dataset.state = "ready";
  });
  layout.run();

  // What ran on a hop, on hover: the same words as the table below.
  cy.on("mouseover", "edge", function (event) {
    var d = event.target.data();
    container.title = [d.transformation_type, d.job, d.masking, d.status && d.status.toLowerCase()].filter(Boolean).join(" · ");
  });
  cy.on("mouseout", "edge", function () { container.title = ""; });
})();
