/* Governance catalog: count the ticked rows, select a whole page, summarise the tags
   chosen. The bulk form posts without this file too; the server checks everything. */
(function () {
  "use strict";
  const form = document.querySelector("[data-bulk-form]");
  if (!form) return;
  const items = Array.from(form.querySelectorAll("[data-bulk-item]"));
  const all = form.querySelector("[data-bulk-all]");
  const count = form.querySelector("[data-bulk-count]");
  const apply = form.querySelector("[data-bulk-apply]");
  const bar = form.querySelector("[data-bulk-bar]");
  const noun = form.querySelector("input[data-bulk-item]")?.name === "columns" ? "column" : "dataset";

  function refresh() {
    const ticked = items.filter((item) => item.checked).length;
    items.forEach((item) => item.closest("tr").classList.toggle("selected", item.checked));
    if (all) {
      all.checked = ticked > 0 && ticked === items.length;
      all.indeterminate = ticked > 0 && ticked < items.length;
    }
    if (count) count.textContent = ticked ? `${ticked} ${noun}${ticked === 1 ? "" : "s"} selected` : "Tick rows above, then:";
    if (apply) apply.disabled = ticked === 0;
    if (bar) bar.classList.toggle("idle", ticked === 0);
  }

  if (all) {
    all.addEventListener("change", () => {
      items.forEach((item) => { item.checked = all.checked; });
      refresh();
    });
  }
  items.forEach((item) => item.addEventListener("change", refresh));

  // Shift-click ticks every row between the last one clicked and this one.
  let last = null;
  items.forEach((item) => item.addEventListener("click", (event) => {
    if (event.shiftKey && last && last !== item) {
      const [from, to] = [items.indexOf(last), items.indexOf(item)].sort((a, b) => a - b);
      items.slice(from, to + 1).forEach((other) => { other.checked = item.checked; });
      refresh();
    }
    last = item;
  }));

  const tags = form.querySelector("[data-bulk-tags]");
  if (tags) {
    const summary = tags.querySelector("[data-bulk-tags-summary]");
    tags.addEventListener("change", () => {
      const chosen = Array.from(tags.querySelectorAll("input:checked")).map((box) => box.value.toUpperCase());
      summary.textContent = chosen.length ? chosen.join(", ") : "None";
    });
    // Close the tag list when clicking elsewhere, like a menu.
    document.addEventListener("click", (event) => {
      if (tags.open && !tags.contains(event.target)) tags.open = false;
    });
  }
  refresh();
})();
