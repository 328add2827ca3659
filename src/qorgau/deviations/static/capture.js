// Offline drafts for the violation form: an entry that cannot be sent is kept on the phone
// (localStorage) and sent when the connection is back. Each entry carries a client key, so an
// entry resent after a lost response is stored once on the server.
(function () {
  "use strict";
  var form = document.getElementById("capture-form");
  if (!form || !window.fetch || !window.localStorage) return;
  var OUTBOX = "qorgau.deviations.outbox";
  var status = document.getElementById("outbox");
  var texts = JSON.parse(document.getElementById("capture-texts").textContent);
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(OUTBOX)) || []; } catch (e) { return []; }
  }
  function store(list) {
    localStorage.setItem(OUTBOX, JSON.stringify(list));
    show();
  }
  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }
  function show() {
    var n = load().length;
    say(n ? texts.queued.replace("{n}", n) : "");
  }
  function newKey() {
    var random = window.crypto && crypto.randomUUID ? crypto.randomUUID() :
      Date.now().toString(36) + Math.random().toString(36).slice(2);
    return random.replace(/[^A-Za-z0-9_-]/g, "");
  }
  function readPhoto(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve({ name: file.name, data: reader.result }); };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }
  function toBlob(dataUrl) {
    var parts = dataUrl.split(","), type = parts[0].split(":")[1].split(";")[0];
    var bytes = atob(parts[1]), buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) buffer[i] = bytes.charCodeAt(i);
    return new Blob([buffer], { type: type });
  }
  function entryFromForm() {
    var fields = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string") fields[key] = value;
    });
    fields.client_key = fields.client_key || newKey();
    var files = Array.prototype.slice.call(form.querySelector("[name=photos]").files || []);
    return Promise.all(files.map(readPhoto)).then(function (photos) {
      return { fields: fields, photos: photos };
    });
  }
  function post(entry) {
    var body = new FormData();
    var token = form.querySelector("[name=csrf_token]").value;  // the current one, not the stored one
    Object.keys(entry.fields).forEach(function (key) {
      body.append(key, key === "csrf_token" ? token : entry.fields[key]);
    });
    entry.photos.forEach(function (photo) { body.append("photos", toBlob(photo.data), photo.name); });
    return fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin",
                                headers: { "X-CSRF-Token": token } });
  }
  function restore(entry) {
    Object.keys(entry.fields).forEach(function (key) {
      var input = form.elements[key];
      if (!input || key === "csrf_token") return;
      if (input.type === "checkbox") input.checked = !!entry.fields[key];
      else if (input.length && input[0] && input[0].type === "radio") {
        Array.prototype.forEach.call(input, function (r) { r.checked = r.value === entry.fields[key]; });
      } else input.value = entry.fields[key];
    });
  }

  // Send queued entries one by one; keep those that fail for a network reason.
  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    var queue = load();
    if (!queue.length) return Promise.resolve();
    sending = true;
    var sent = 0, rejected = null;
    return queue.reduce(function (chain, entry) {
      return chain.then(function () {
        return post(entry).then(function (response) {
          if (response.ok) { sent++; drop(entry); }
          else if (response.status >= 400 && response.status < 500) { rejected = entry; drop(entry); }
        }).catch(function () { /* still offline: keep it */ });
      });
    }, Promise.resolve()).then(function () {
      sending = false;
      if (rejected) { restore(rejected); say(texts.rejected); }
      else if (sent) say(texts.sent.replace("{n}", sent) + (load().length ? " " + texts.queued.replace("{n}", load().length) : ""));
      else show();
    });
  }
  function drop(entry) {
    store(load().filter(function (e) { return e.fields.client_key !== entry.fields.client_key; }));
  }
  function queue(entry) {
    var list = load();
    list.push(entry);
    store(list);
    form.querySelector("[name=description]").value = "";
    form.querySelector("[name=photos]").value = "";
    form.querySelector("[name=client_key]").value = "";
  }

  // While an entry is on its way the button is disabled and the page says so (the shared app.js), so an
  // inspector on a slow network does not tap again; a second submit while busy is ignored.
  function busy(on) {
    if (!window.qorgau) return;
    if (on) window.qorgau.markSending(form); else window.qorgau.release(form);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.getAttribute("data-busy")) return;
    busy(true);
    entryFromForm().then(function (entry) {
      if (!navigator.onLine) { queue(entry); busy(false); return; }
      form.querySelector("[name=client_key]").value = entry.fields.client_key;
      return post(entry).then(function (response) {
        if (response.ok && response.redirected) { window.location.href = response.url; return; }
        return response.text().then(function (html) {  // the form again, with the problem marked
          document.open(); document.write(html); document.close();
        });
      }).catch(function () { queue(entry); busy(false); });
    }).catch(function () { busy(false); });
  });
  window.addEventListener("online", flush);
  show();
  flush();
})();
