/* Highlight mode: light given edges (and what they join), dim everything else.
 *
 * Clicking a column lights its whole path upstream and downstream with `pathOf`; other
 * features (an exposure's paths, say) call `highlight` with their own edge ids.
 */

/* Every edge upstream and downstream of a node, transitively. */
export function pathOf(cy, id) {
  const node = cy.getElementById(id);
  if (node.empty()) return [];
  return node.predecessors("edge").union(node.successors("edge")).map((e) => e.id());
}

/* Light `edgeIds` and their ends; dim the rest. Returns how many edges were lit. */
export function highlight(cy, edgeIds, extraNodeIds) {
  const lit = cy.collection();
  (edgeIds || []).forEach((id) => {
    const edge = cy.getElementById(id);
    if (edge.nonempty() && edge.isEdge()) lit.merge(edge).merge(edge.connectedNodes());
  });
  (extraNodeIds || []).forEach((id) => lit.merge(cy.getElementById(id)));
  cy.batch(() => {
    cy.elements().removeClass("lit dimmed");
    // A card's own box and title stay readable: they say where a lit row lives.
    const keep = lit.union(lit.parents()).union(lit.parents().children(".title"));
    cy.elements().difference(keep).filter((el) => el.isEdge() || !el.isParent()).addClass("dimmed");
    lit.edges().addClass("lit");
    lit.nodes().filter((n) => !n.isParent()).addClass("lit");
  });
  return lit.edges().length;
}

export function clearHighlight(cy) {
  cy.elements().removeClass("lit dimmed");
}

export function isHighlighting(cy) {
  return cy.elements(".dimmed").nonempty();
}
