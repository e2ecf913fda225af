/* Governance panel: loads it into the dataset page and opens its edit forms in place.
   Without JavaScript the same panel is a page of its own (links with ?edit=…), so every
   button here is a link or a form that works without this file. */
(function () {
  "use strict";

  const slot = document.querySelector("[data-gov-panel-src]");
  if (slot) loadPanel(slot);

  async function loadPanel(slot) {
    const loading = slot.querySelector("[data-gov-loading]");
    const timer = setTimeout(() => { if (loading) loading.hidden = false; }, 150);
    try {
      const response = await fetch(slot.dataset.govPanelSrc, { credentials: "same-origin" });
      if (response.redirected && new URL(response.url).pathname.startsWith("/accounts/login")) {
        throw new Error("your session has ended: reload the page to sign in again");
      }
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      slot.innerHTML = await response.text();
      slot.dataset.state = "ready";
      revealTarget();
    } catch (error) {
      slot.innerHTML = "";
      const notice = document.createElement("div");
      notice.className = "notice error";
      notice.setAttribute("role", "alert");
      notice.append(`The governance of this dataset could not be loaded (${error.message}). `);
      const link = document.createElement("a");
      link.href = slot.dataset.govPage;
      link.textContent = "Open it on its own page";
      notice.append(link, ".");
      slot.append(notice);
      slot.dataset.state = "failed";
    } finally {
      clearTimeout(timer);
    }
  }

  // After a save the page comes back with #governance or #gov-col-N: the panel arrived
  // after the browser looked for that anchor, so scroll to it now.
  function revealTarget() {
    if (!location.hash) return;
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) target.scrollIntoView({ block: "center" });
  }

  function editor(name) {
    return document.querySelector(`[data-gov-edit="${CSS.escape(name)}"]`);
  }

  function openEditor(name) {
    const edit = editor(name);
    if (!edit) return;
    edit.hidden = false;
    const view = document.querySelector(`[data-gov-view="${CSS.escape(name)}"]`);
    if (view) view.hidden = true;
    const row = document.querySelector(`[data-gov-row="${CSS.escape(name)}"]`);
    if (row) row.classList.add("is-editing");
    const first = edit.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  }

  function closeEditor(name) {
    const edit = editor(name);
    if (!edit) return;
    const form = edit.querySelector("form");
    if (form) form.reset();
    edit.hidden = true;
    const view = document.querySelector(`[data-gov-view="${CSS.escape(name)}"]`);
    if (view) view.hidden = false;
    const row = document.querySelector(`[data-gov-row="${CSS.escape(name)}"]`);
    if (row) row.classList.remove("is-editing");
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-gov-toggle]");
    if (toggle && editor(toggle.dataset.govToggle)) {
      event.preventDefault();
      const name = toggle.dataset.govToggle;
      if (editor(name).hidden) openEditor(name); else closeEditor(name);
      return;
    }
    const cancel = event.target.closest("[data-gov-cancel]");
    if (cancel && editor(cancel.dataset.govCancel) && !cancel.closest(".stale")) {
      event.preventDefault();
      closeEditor(cancel.dataset.govCancel);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = event.target.closest && event.target.closest("[data-gov-edit]");
    if (open && !open.hidden) closeEditor(open.dataset.govEdit);
  });
})();
