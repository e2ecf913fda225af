/* Fetching more lineage from /api/v1/lineage/, with errors in the user's words. */

export function fetchLineage(apiUrl, params) {
  const query = new URLSearchParams();
  Object.keys(params).forEach((name) => {
    if (params[name] !== "" && params[name] !== null && params[name] !== undefined) query.set(name, params[name]);
  });
  return fetch(apiUrl + "?" + query.toString(), {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  }).then((response) =>
    response.json().catch(() => ({})).then((body) => {
      if (!response.ok) throw new Error(explain(response.status, body));
      return body;
    })
  );
}

function explain(status, body) {
  if (status === 401 || status === 403) return "Your session has ended. Reload the page to sign in again.";
  if (status === 404) return "That dataset is no longer in the lineage graph.";
  if (status === 400 && body) {
    return "The lineage settings are not valid: " + Object.keys(body).map((field) => field + ": " + [].concat(body[field]).join(" ")).join("; ");
  }
  return (body && body.detail) || "The portal could not load the lineage (HTTP " + status + "). Try again in a moment.";
}

export function truncationNote(truncated, leftOut) {
  if (!truncated) return null;
  const count = leftOut ? leftOut + " more dataset" + (leftOut === 1 ? "" : "s") + " within reach " + (leftOut === 1 ? "is" : "are") + " not drawn. " : "Some datasets within reach are not drawn. ";
  return "This neighbourhood is larger than the portal draws at once: " + count + "Lower the depth, pick one direction, or centre the graph on a dataset closer to what you need.";
}
