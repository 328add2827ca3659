// Worker Speaks: the file button shows what was chosen, and the receipt code can be copied or saved.
// Loaded as a file (no inline script), so a strict Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-chosen]").forEach(function (input) {
    var out = document.getElementById(input.getAttribute("data-chosen"));
    if (!out) return;
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      out.textContent = names.length ? names.join(", ") : out.getAttribute("data-none");
    });
  });
  var receipt = document.getElementById("receipt");
  if (!receipt) return;
  var code = receipt.textContent.replace(/\s+/g, "");
  var status = document.getElementById("receipt-status");
  function say(text) { if (status) status.textContent = text; }
  var copy = document.getElementById("receipt-copy");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(code).then(function () { say(copy.getAttribute("data-done")); },
                                               function () { say(copy.getAttribute("data-failed")); });
    });
  }
  var save = document.getElementById("receipt-save");
  if (save && window.Blob && window.URL) {
    save.hidden = false;
    save.addEventListener("click", function () {
      var text = save.getAttribute("data-heading") + "\n" + code + "\n" + window.location.origin + "/speak/follow\n";
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
      link.download = save.getAttribute("data-filename");
      document.body.appendChild(link);
      link.click();
      link.remove();
      say(save.getAttribute("data-done"));
    });
  }
})();
