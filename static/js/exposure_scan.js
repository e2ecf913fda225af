/* The Exposure page follows a scan without reloading.
 *
 * While the scan status box (templates/governance/exposure/_scan.html) says queued or
 * running, fetch it again every 2 s and swap it in. When the scan finishes, say so and
 * offer to reload: the findings listed were drawn before it.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var WAITING = { queued: true, running: true };

  function box() {
    return document.querySelector("[data-scan-status]");
  }

  function busy(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button");
      if (button) {
        button.disabled = true;
        button.textContent = "Scanning…";
      }
    });
  }

  function finishedNote(state) {
    var note = document.createElement("p");
    note.className = "notice " + (state === "failed" ? "error" : "success");
    note.setAttribute("data-scan-finished", "");
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = "Reload to see the findings as they are now";
    note.append(state === "failed" ? "The scan failed (see above). " : "The scan has finished. ", link, ".");
    return note;
  }

  function poll() {
    var current = box();
    if (!current || !WAITING[current.dataset.state]) return;
    window.setTimeout(function () {
      fetch(current.dataset.scanUrl, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.querySelector("[data-scan-status]");
          if (!fresh) return;
          current.replaceWith(fresh);
          var form = fresh.querySelector("[data-scan-form]");
          if (form) busy(form);
          if (WAITING[fresh.dataset.state]) poll();
          else fresh.after(finishedNote(fresh.dataset.state));
        })
        .catch(function () {
          // The portal did not answer this time (a restart, a network blip): ask again later.
          window.setTimeout(poll, POLL_MS * 5);
        });
    }, POLL_MS);
  }

  var start = box();
  if (!start) return;
  var form = start.querySelector("[data-scan-form]");
  if (form) busy(form);
  poll();
})();
