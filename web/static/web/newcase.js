/* The new-request form on a phone: check the ID number as it is typed (the server checks again),
   say which materials are still missing, and keep a draft that survives a lost connection: what
   was typed stays in localStorage, and a form submitted offline is sent once when the
   connection returns (its idempotency key makes a second arrival harmless). */
(function () {
  "use strict";
  var form = document.getElementById("new-case");
  if (!form) return;
  var text = {};
  var tpl = document.getElementById("i18n");
  if (tpl) tpl.content.querySelectorAll("[data-key]").forEach(function (el) { text[el.dataset.key] = el.textContent; });

  // GB 11643-1999: 17 digits and a check character (0-9 or X).
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], C = "10X98765432";
  function validId(v) {
    if (!/^\d{17}[\dX]$/.test(v)) return false;
    var s = 0;
    for (var i = 0; i < 17; i++) s += +v[i] * W[i];
    return C[s % 11] === v[17];
  }
  var id = form.querySelector("[name=applicant_id_number]"), note = document.getElementById("id-check");
  function kind() { var k = form.querySelector("[name=applicant_kind]:checked"); return k ? k.value : "person"; }
  function checkId() {
    var v = id.value.trim().toUpperCase();
    if (kind() !== "person" || v.length < 18) { note.hidden = true; return; }
    note.hidden = false;
    var ok = validId(v);
    note.textContent = ok ? text["ok-id"] : text["bad-id"];
    note.className = ok ? "ok-text" : "error";
  }
  id.addEventListener("input", checkId);

  var boxes = form.querySelectorAll("[name=materials]"), missing = document.getElementById("missing");
  function showMissing() {
    var names = [];
    boxes.forEach(function (b) { if (!b.checked) names.push(b.value); });
    missing.textContent = names.length ? text["missing"] + names.join("、") : "";
  }
  boxes.forEach(function (b) { b.addEventListener("change", showMissing); });
  showMissing();

  // The draft: every field but the CSRF token, per centre.
  var key = form.dataset.draft, store = window.localStorage;
  function save() {
    var data = {};
    new FormData(form).forEach(function (v, k) {
      if (k === "csrfmiddlewaretoken") return;
      (data[k] = data[k] || []).push(v);
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode: no draft */ }
  }
  function restore() {
    var raw = store.getItem(key);
    if (!raw) return;
    var data = JSON.parse(raw);
    var item = form.querySelector("[name=item_code]");
    if (!data.item_code || data.item_code[0] !== item.value) return; // a draft of another item
    if (form.querySelector(".error[role=alert]")) return; // the server answered: keep its values
    Object.keys(data).forEach(function (k) {
      var fields = form.querySelectorAll('[name="' + k + '"]');
      fields.forEach(function (f) {
        if (f.type === "checkbox" || f.type === "radio") f.checked = data[k].indexOf(f.value) >= 0;
        else if (f.type !== "submit") f.value = data[k][0];
      });
    });
  }
  restore();
  showMissing();
  checkId();
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  var pending = null;
  form.addEventListener("submit", function (event) {
    save();
    if (navigator.onLine) return;
    event.preventDefault();
    pending = event.submitter ? event.submitter.value : "log";
    document.getElementById("offline").hidden = false;
  });
  function sendPending() {
    if (pending === null || !navigator.onLine) return;
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "submit"; hidden.value = pending;
    form.appendChild(hidden);
    pending = null;
    HTMLFormElement.prototype.submit.call(form); // form.submit is the button named "submit"
  }
  window.addEventListener("online", sendPending);
  window.setInterval(sendPending, 2000); // some phones never fire "online"
})();

/* On the page a logged case lands on (?logged=<key>): the draft of that submission is done. */
(function () {
  var done = new URLSearchParams(window.location.search).get("logged");
  if (!done) return;
  for (var i = window.localStorage.length - 1; i >= 0; i--) {
    var k = window.localStorage.key(i);
    if (k && k.indexOf("draft:") === 0) {
      try {
        var d = JSON.parse(window.localStorage.getItem(k));
        if (d.idempotency_key && d.idempotency_key[0] === done) window.localStorage.removeItem(k);
      } catch (e) { window.localStorage.removeItem(k); }
    }
  }
})();
