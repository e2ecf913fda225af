/* Ingestion pages: backfill progress that follows the backfill without reloading the page.
 *
 * Each panel with data-progress-url (templates/graph/backfill_progress_panel.html) polls
 * its JSON (GET /api/v1/backfills/<pk>/progress) every 2 s until the backfill is finished
 * and redraws in place: the bar, windows done / total, rows/s, time left, and the final
 * state — done with counts, or failed with the reasons and the retry button the server
 * already drew (hidden). The backfill page's table of windows is swapped for a fresh copy
 * whenever a window finishes. Every word and figure comes worded from the server (the
 * JSON's `words`, graph.presenters): this script only puts them in place.
 *
 * Forms with data-busy-label say so while the server works: without a Celery broker a
 * backfill runs inside the POST, and a second click would start a second one.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  // The panel's data-fields that take the server's words as they are.
  var WORDED = [
    "state_label", "windows_done", "windows_total", "windows_failed", "windows_interrupted",
    "rows_read",
    "statements_kept", "statements_filtered", "edges_written", "parse_failures",
    "percent", "rows_per_second", "eta_text", "window_states", "completeness_scope",
  ];

  function setText(panel, name, text) {
    panel.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = text;
    });
  }

  function show(panel, name, visible) {
    var block = panel.querySelector('[data-final="' + name + '"]');
    if (block) block.hidden = !visible;
  }

  function windowList(panel, name, issues, describe, anchor) {
    var list = panel.querySelector('[data-list="' + name + '"]');
    if (!list) return;
    list.replaceChildren.apply(list, issues.map(function (issue) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = issue.url + (anchor || "");
      link.textContent = issue.window_text;
      var reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = describe(issue);
      item.append(link, " ", reason);
      return item;
    }));
  }

  /* Failed windows grouped by error: "28 windows: could not connect — first …, last …". */
  function errorGroups(panel, groups) {
    var list = panel.querySelector('[data-list="errors"]');
    if (!list) return;
    function windowLink(issue, text) {
      var link = document.createElement("a");
      link.href = issue.url;
      link.textContent = text;
      return link;
    }
    list.replaceChildren.apply(list, groups.map(function (group) {
      var item = document.createElement("li");
      var reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = group.error;
      if (group.count === 1) {
        item.append(windowLink(group.first, group.first.window_text), " ", reason);
      } else {
        var count = document.createElement("strong");
        count.textContent = group.count_text + ":";
        item.append(count, " ", reason, " — first ", windowLink(group.first, group.first.window_text),
          ", last ", windowLink(group.last, group.last.window_text));
      }
      return item;
    }));
  }

  function drawBar(panel, progress) {
    var bar = panel.querySelector('[role="progressbar"]');
    var total = progress.windows_total || 1;
    bar.setAttribute("aria-valuemax", progress.windows_total);
    bar.setAttribute("aria-valuenow", progress.windows_done);
    bar.setAttribute("aria-valuetext", progress.words.windows_of_total);
    [["succeeded", progress.windows_succeeded], ["failed", progress.windows_failed],
      ["running", progress.windows_running]].forEach(function (part) {
      bar.querySelector('[data-bar="' + part[0] + '"]').style.width =
        (100 * part[1] / total) + "%";
    });
  }

  function drawCompleteness(panel, progress) {
    var figure = progress.completeness;
    show(panel, "completeness", Boolean(figure));
    show(panel, "parse_failures", progress.parse_failure_windows.length > 0);
    if (!figure) return;
    setText(panel, "completeness_summary", figure.summary);
    var line = panel.querySelector('[data-field="completeness_summary"]');
    if (line) line.classList.toggle("gap", figure.missing > 0);
    windowList(panel, "parse_failure_windows", progress.parse_failure_windows, function (issue) {
      return issue.parse_failures_text;
    }, "#failures");
  }

  function draw(panel, progress) {
    var badge = panel.querySelector('[data-field="state_label"]');
    badge.className = "badge status-" + progress.state;
    WORDED.forEach(function (name) { setText(panel, name, progress.words[name]); });
    drawBar(panel, progress);
    show(panel, "succeeded", progress.state === "succeeded");
    show(panel, "failed", progress.state === "failed" || progress.state === "interrupted");
    show(panel, "interrupted", progress.windows_interrupted > 0);
    errorGroups(panel, progress.error_groups || []);
    drawCompleteness(panel, progress);
    panel.dataset.state = progress.state;
    panel.dataset.finished = String(progress.finished);
  }

  function refreshWindows(panel) {
    var url = panel.dataset.windowsUrl;
    var target = document.getElementById("backfill-windows");
    if (!url || !target) return;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) target.innerHTML = html; })
      .catch(function () { /* the next change tries again */ });
  }

  function poll(panel) {
    fetch(panel.dataset.progressUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          // Signed out (the session ended): polling again would not help.
          var lost = panel.querySelector('[data-field="lost"]');
          lost.textContent = "You are signed out: reload the page to sign in and follow this backfill.";
          lost.hidden = false;
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (progress) {
        if (progress === null) return;
        panel.querySelector('[data-field="lost"]').hidden = true;
        var changed = panel.dataset.seen !== progress.windows_done + "/" + progress.state;
        panel.dataset.seen = progress.windows_done + "/" + progress.state;
        draw(panel, progress);
        if (changed) refreshWindows(panel);
        if (!progress.finished) window.setTimeout(poll, POLL_MS, panel);
      })
      .catch(function () {
        panel.querySelector('[data-field="lost"]').hidden = false;
        window.setTimeout(poll, POLL_MS * 2, panel);
      });
  }

  document.querySelectorAll("[data-progress-url]").forEach(function (panel) {
    var progress = panel.querySelector('[role="progressbar"]');
    panel.dataset.seen = progress.getAttribute("aria-valuenow") + "/" + panel.dataset.state;
    if (panel.dataset.finished !== "true") window.setTimeout(poll, POLL_MS, panel);
  });

  document.querySelectorAll("form[data-busy-label]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector('button[type="submit"]');
      if (!button) return;
      button.textContent = form.dataset.busyLabel;
      // Disabled after the submit has begun, so the form still sends.
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
