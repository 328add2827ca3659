// Answers the follow-up form's challenge: finds a number whose SHA-256 with the challenge starts with
// the asked number of zero bits, then sends the form. Without JavaScript the worker waits and resends.
(function () {
  "use strict";
  var form = document.getElementById("receipt-challenge");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var token = form.getAttribute("data-challenge");
  var bits = parseInt(form.getAttribute("data-bits"), 10);
  var encoder = new TextEncoder();
  var status = document.getElementById("challenge-status");

  function zeroBits(buffer) {
    var bytes = new Uint8Array(buffer), count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { count++; b <<= 1; }
      return count;
    }
    return count;
  }

  async function solve() {
    for (var counter = 0; ; counter++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + counter));
      if (zeroBits(digest) >= bits) { return String(counter); }
    }
  }

  solve().then(function (proof) {
    form.querySelector("input[name=proof]").value = proof;
    if (status) { status.textContent = ""; }
    if (form.querySelector("input[name=receipt]").value) { form.submit(); }
  });
})();
