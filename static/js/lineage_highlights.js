/* Highlight toggles of the lineage explorer ("Highlight exposure", …).
 *
 * Other apps register highlights with graph.hooks; the page hands them over in
 * <script id="lineage-highlights"> as [{key, label, edges: [edge id…], description}].
 * A toggle lights its edges through window.lineageExplorer.highlight (the explorer's own
 * API) and dims the rest; it is re-applied whenever the explorer redraws (an expansion, a
 * changed control), because a redraw replaces every element.
 */
(function () {
  "use strict";

  var dataScript = document.getElementById("lineage-highlights");
  if (!dataScript) return;
  var highlights = JSON.parse(dataScript.textContent);
  var byKey = {};
  highlights.forEach(function (h) { byKey[h.key] = h; });
  var note = document.querySelector("[data-highlight-note]");
  var active = null;
  var hooked = null; // the cytoscape instance whose redraws re-apply the highlight

  function apply() {
    var explorer = window.lineageExplorer;
    var cy = window.lineageGraph;
    if (!explorer || !cy) return;
    if (hooked !== cy) {
      hooked = cy;
      cy.style().selector("edge.highlight-on").style({
        "line-color": "#b42318",
        "target-arrow-color": "#b42318",
        width: 4,
      }).update();
      cy.on("layoutstop", function () { if (active) apply(); });
    }
    cy.edges(".highlight-on").removeClass("highlight-on");
    if (!active) {
      explorer.clearHighlight();
      describe(0);
      return;
    }
    var lit = explorer.highlight(active.edges);
    cy.batch(function () {
      active.edges.forEach(function (id) {
        var edge = cy.getElementById(id);
        if (edge.nonempty() && edge.isEdge()) edge.addClass("highlight-on");
      });
    });
    describe(lit);
  }

  function describe(lit) {
    if (!note) return;
    note.hidden = !active;
    if (!active) return;
    note.textContent = lit
      ? active.description + " " + lit + " edge" + (lit === 1 ? "" : "s") + " lit here; everything else dimmed."
      : active.description + " None of them runs through what is drawn here.";
  }

  document.querySelectorAll("[data-lineage-highlight]").forEach(function (button) {
    button.addEventListener("click", function () {
      var chosen = byKey[button.dataset.lineageHighlight];
      active = active === chosen ? null : chosen;
      document.querySelectorAll("[data-lineage-highlight]").forEach(function (other) {
        other.setAttribute("aria-pressed", String(active !== null && other === button));
      });
      apply();
    });
  });
})();
