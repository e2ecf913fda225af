/* CSV import page: follows the check or the apply without reloading, then shows the report.
 *
 * Polls the panel's data-progress-url every second, redraws rows done, the bar and the rate,
 * and reloads the page once the task is finished (the server draws the report).
 */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var panel = document.getElementById("import-progress");
  if (!panel) return;

  function setText(name, text) {
    panel.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = text;
    });
  }

  function draw(progress) {
    setText("rows_done", progress.rows_done.toLocaleString("en-US"));
    setText("rows_total", progress.rows_total.toLocaleString("en-US"));
    setText("percent", progress.percent + " %");
    setText("rows_per_second", progress.rows_per_second.toLocaleString("en-US"));
    panel.querySelector('[data-bar="done"]').style.width = progress.percent + "%";
    panel.querySelector('[role="progressbar"]').setAttribute("aria-valuenow", progress.percent);
  }

  function poll() {
    fetch(panel.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (progress) {
        panel.querySelector('[data-field="lost"]').hidden = true;
        draw(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () {
        panel.querySelector('[data-field="lost"]').hidden = false;
        window.setTimeout(poll, POLL_MS * 3);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
