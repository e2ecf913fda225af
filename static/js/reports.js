/* Report job page: follows a report being generated on a worker, without reloading.
 * Polls data-job-progress every 1.5 s until the job is done or failed. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-progress]");
  if (!panel) return;
  function field(name) { return panel.querySelector('[data-field="' + name + '"]'); }
  function draw(job) {
    field("status").textContent = job.status;
    field("status").className = "badge status-" + job.status;
    field("message").textContent = job.message;
    field("percent").textContent = job.percent + " %";
    panel.querySelector("[data-bar]").style.width = job.percent + "%";
    panel.querySelector('[role="progressbar"]').setAttribute("aria-valuenow", job.percent);
    if (job.status === "done") {
      field("download").href = job.download_url;
      field("report_id").textContent = job.report_id;
      panel.querySelector('[data-final="done"]').hidden = false;
    } else if (job.status === "failed") {
      field("error").textContent = job.error;
      panel.querySelector('[data-final="failed"]').hidden = false;
    }
    return job.status === "done" || job.status === "failed";
  }
  function poll() {
    fetch(panel.dataset.jobProgress, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) { if (!draw(job)) setTimeout(poll, 1500); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (panel.dataset.status !== "done" && panel.dataset.status !== "failed") poll();
})();
