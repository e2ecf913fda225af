/* Catalog: count the ticked rows, select a whole page, summarise the tags chosen, and show
   what a bulk change will do (and what it lowers or cannot change) before it is applied.
   The bulk form posts without this file too; the server checks everything. */
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

  // Check before applying: what will change, what lowers a level, what cannot be changed.
  const dialog = form.querySelector("[data-bulk-dialog]");
  const RANK = { "": 0, unclassified: 0, public: 1, internal: 2, confidential: 3, restricted: 4 };
  let confirmed = false;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function choice(name) {
    const field = form.querySelector(`[name=${name}]`);
    return field && field.value ? field.options[field.selectedIndex].text : "";
  }

  function summary() {
    const level = form.querySelector("[name=level]").value;
    const rows = items.filter((item) => item.checked).map((item) => item.closest("tr"));
    const box = el("div");
    const what = [];
    if (level) what.push(`classification → ${choice("level")}`);
    const tagsChosen = Array.from(form.querySelectorAll("[name=add_tags]:checked")).map((b) => b.value.toUpperCase());
    if (tagsChosen.length) what.push(`add tags ${tagsChosen.join(", ")}`);
    if (choice("steward")) what.push(`steward → ${choice("steward")}`);
    if (choice("masking_policy")) what.push(`masking → ${choice("masking_policy")}`);
    box.append(el("p", `${rows.length} ${noun}${rows.length === 1 ? "" : "s"} will change: ${what.join("; ") || "nothing chosen yet"}.`));
    const list = el("ul");
    rows.forEach((row) => {
      const from = row.dataset.level || "unclassified";
      list.append(el("li", level ? `${row.dataset.name}: ${from} → ${level}` : row.dataset.name));
    });
    box.append(list);
    const lowered = level ? rows.filter((row) => RANK[row.dataset.level || ""] > RANK[level]) : [];
    if (lowered.length) {
      box.append(el("p", `Warning: this lowers the classification of ${lowered.length} ${noun}${lowered.length === 1 ? "" : "s"} (${lowered.map((r) => `${r.dataset.name}, now ${r.dataset.level}`).join("; ")}). Lower a level only when the data really is less sensitive.`, "warning"));
    }
    const refused = Array.from(form.querySelectorAll("[data-bulk-refused]"));
    if (refused.length) {
      box.append(el("p", `Not included — you may not change ${refused.length} row${refused.length === 1 ? "" : "s"} on this page:`));
      const byReason = new Map();
      refused.forEach((cell) => {
        const reason = cell.dataset.bulkRefused;
        if (!byReason.has(reason)) byReason.set(reason, []);
        byReason.get(reason).push(cell.closest("tr").dataset.name);
      });
      const why = el("ul");
      byReason.forEach((names, reason) => {
        const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? ` and ${names.length - 5} more` : "");
        why.append(el("li", `${names.length} — ${reason}: ${shown}`));
      });
      box.append(why);
    }
    return box;
  }

  if (dialog && typeof dialog.showModal === "function") {
    form.addEventListener("submit", (event) => {
      if (confirmed) return;
      event.preventDefault();
      dialog.querySelector("[data-bulk-summary]").replaceChildren(summary());
      dialog.showModal();
    });
    dialog.querySelector("[data-bulk-cancel]").addEventListener("click", () => dialog.close());
    dialog.querySelector("[data-bulk-confirm]").addEventListener("click", () => {
      confirmed = true;
      dialog.close();
      form.requestSubmit();
    });
  }
})();
