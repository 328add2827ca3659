// The export job page: polls the job's status and shows its progress; reloads the page when the file is
// ready (or the job failed), so the download link appears. A static file: the CSP allows no inline script.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || box.getAttribute("data-state") === "done" || box.getAttribute("data-state") === "failed") return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("export-progress");
  var label = document.getElementById("export-percent");
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) return;
        if (status.state === "done" || status.state === "failed") { window.location.reload(); return; }
        if (bar) bar.value = status.progress;
        if (label) label.textContent = status.progress + "%";
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, delay);
})();
