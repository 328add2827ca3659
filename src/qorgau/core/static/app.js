// Page behaviour shared by every page (a static file: the Content-Security-Policy allows no inline script).
// 1. A table that is wider than a phone scrolls inside its own box; the box can be reached and scrolled
//    by keyboard and is announced with the table's caption or the heading above it.
// 2. A form shows that it is sending and its submit buttons stay disabled until the answer comes, so a
//    second tap on a slow network does not send it twice.
// 3. The menu closes with Escape or a tap outside it.
(function () {
  "use strict";

  function headingBefore(el) {
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-4]$/.test(prev.tagName)) return prev.textContent;
        var inner = prev.querySelectorAll ? prev.querySelectorAll("h1, h2, h3, h4") : [];
        if (inner.length) return inner[inner.length - 1].textContent;
      }
    }
    var h1 = document.querySelector("h1");
    return h1 ? h1.textContent : document.title;
  }

  function scrollBoxes(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".table-wrap"), function (box) {
      if (box.hasAttribute("tabindex")) return;
      var caption = box.querySelector("caption");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        box.setAttribute("aria-label", ((caption && caption.textContent) || headingBefore(box)).trim());
      }
    });
  }

  var SENDING_LIMIT_MS = 30000;  // a download leaves the page in place: give the button back eventually

  function submitters(form) {
    return form.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]');
  }

  function release(form) {
    form.removeAttribute("data-busy");
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(submitters(form), function (button) {
      button.disabled = false;
      button.classList.remove("is-sending");
    });
    var note = form.querySelector(".sending-note");
    if (note) note.parentNode.removeChild(note);
  }

  function markSending(form) {
    form.setAttribute("data-busy", "1");
    form.setAttribute("aria-busy", "true");
    var buttons = submitters(form);
    // Disabled only after the browser has read the form: a disabled submitter would not be sent.
    window.setTimeout(function () {
      Array.prototype.forEach.call(buttons, function (button) {
        button.disabled = true;
        button.classList.add("is-sending");
      });
    }, 0);
    var note = document.createElement("span");
    note.className = "sending-note";
    note.setAttribute("role", "status");
    note.textContent = document.body.getAttribute("data-sending") || "…";
    var last = buttons.length ? buttons[buttons.length - 1] : null;
    if (last && last.parentNode) last.parentNode.insertBefore(note, last.nextSibling);
    else form.appendChild(note);
    window.setTimeout(function () { release(form); }, SENDING_LIMIT_MS);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.getAttribute("data-busy")) { event.preventDefault(); return; }
    if (event.defaultPrevented) return;  // a script sends this form itself (and says so)
    markSending(form);
  });

  // Back to a page from the browser's cache: its forms can be used again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), release);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector("details.menu[open]");
    if (menu) { menu.removeAttribute("open"); menu.querySelector("summary").focus(); }
  });
  document.addEventListener("click", function (event) {
    var menu = document.querySelector("details.menu[open]");
    if (menu && !menu.contains(event.target)) menu.removeAttribute("open");
  });

  window.qorgau = { markSending: markSending, release: release };
  function ready(root) { scrollBoxes(root || document); }
  if (window.htmx) window.htmx.onLoad(ready);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { ready(document); });
  else ready(document);
})();
