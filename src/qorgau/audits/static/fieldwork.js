// Fieldwork on a phone that may lose its connection. Every answer is put in an outbox kept on the
// phone (localStorage) with its own key, and the outbox is sent to the API whenever the phone is
// online (at once, and again when the connection comes back). The server stores an answer once per
// key, so an answer resent after a lost response changes nothing. Interviews go the same way.
(function () {
  "use strict";
  var form = document.getElementById("fieldwork-form");
  if (!form || !window.fetch || !window.localStorage) return;
  var audit = form.getAttribute("data-audit");
  var OUTBOX = "qorgau.audits.outbox." + audit;
  var texts = JSON.parse(document.getElementById("fieldwork-texts").textContent);
  var status = document.getElementById("fw-status");
  var progress = document.getElementById("fw-progress");
  var interviewForm = document.getElementById("interview-form");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(OUTBOX)) || []; } catch (e) { return []; }
  }
  function store(list) { localStorage.setItem(OUTBOX, JSON.stringify(list)); show(); }
  function say(text, tone) {
    status.textContent = text;
    status.hidden = !text;
    status.className = "alert " + (tone || "warn");
  }
  function show() {
    var n = load().length;
    if (n) say(texts.queued.replace("{n}", n));
    form.setAttribute("data-pending", String(n));
  }
  function newKey() {
    var random = window.crypto && crypto.randomUUID ? crypto.randomUUID() :
      Date.now().toString(36) + Math.random().toString(36).slice(2);
    return random.replace(/[^A-Za-z0-9_-]/g, "");
  }
  function token() { return form.querySelector("[name=csrf_token]").value; }
  function answered() {
    var names = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[type=radio]:checked"), function (r) { names[r.name] = 1; });
    return Object.keys(names).length;
  }
  function showProgress() {
    progress.textContent = texts.progress.replace("{done}", answered()).replace("{total}", progress.getAttribute("data-total"));
  }
  function answerOf(point) {
    var checked = form.querySelector("input[name='p-" + point + "']:checked");
    var note = form.querySelector("[name='n-" + point + "']");
    return checked ? { point_id: point, value: checked.value, note: note ? note.value : "", client_key: newKey() } : null;
  }
  function queue(entry) {
    var list = load().filter(function (e) { return !(e.kind === "answer" && e.body.point_id === entry.body.point_id); });
    list.push(entry);
    store(list);
    flush();
  }
  function send(entry) {
    var url = "/api/v1/audits/" + audit + (entry.kind === "answer" ? "/answers" : "/interviews");
    var body = entry.kind === "answer" ? { answers: [entry.body] } : entry.body;
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token() }, body: JSON.stringify(body) });
  }
  function flush() {
    if (sending || !navigator.onLine) { show(); return; }
    var list = load();
    if (!list.length) return;
    sending = true;
    var entry = list[0];
    send(entry).then(function (response) {
      sending = false;
      if (response.ok) {
        store(load().filter(function (e) { return e.key !== entry.key; }));
        if (!load().length) say(texts.sent, "ok");
        flush();
      } else if (response.status >= 400 && response.status < 500) {
        store(load().filter(function (e) { return e.key !== entry.key; }));
        return response.json().then(function (data) {
          say(texts.rejected.replace("{message}", (data.error && data.error.message) || response.status), "danger");
        });
      } else { show(); }
    }).catch(function () { sending = false; show(); });
  }

  form.addEventListener("change", function (event) {
    var box = event.target.closest("[data-point]");
    if (!box) return;
    var answer = answerOf(box.getAttribute("data-point"));
    showProgress();
    if (answer) queue({ kind: "answer", key: answer.client_key, body: answer });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    flush();
  });
  if (interviewForm) {
    interviewForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var answers = {};
      Array.prototype.forEach.call(interviewForm.querySelectorAll("input[type=radio]:checked"), function (r) {
        answers[r.name.slice(3)] = r.value;
      });
      var key = newKey();
      var list = load();
      list.push({ kind: "interview", key: key, body: { client_key: key, answers: answers } });
      store(list);
      interviewForm.reset();
      say(texts.interview, "ok");
      flush();
    });
  }
  window.addEventListener("online", flush);
  show();
  flush();
})();
