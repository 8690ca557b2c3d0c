// The admin's only script (served from the admin, never inline; the CSP allows nothing else):
// the editor's live preview (the server renders the Markdown with the public site's sanitiser
// and this script only shows the result), the path made from the title, a warning before
// unsaved changes are lost, and confirmations before irreversible-looking actions.
(function () {
  "use strict";
  var body = document.getElementById("body");
  var out = document.getElementById("preview");
  if (!body || !out || !body.form) return;
  var timer = null;
  var seq = 0;
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var n = ++seq;
      var data = new URLSearchParams();
      data.set("csrf", body.form.elements.csrf.value);
      data.set("body", body.value);
      fetch(out.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) { if (html !== null && n === seq) out.innerHTML = html; })
        .catch(function () {});
    }, 300);
  });
})();

// The editor: a path made from the title while the editor has not typed one, and a warning
// when leaving with unsaved changes.
(function () {
  "use strict";
  var form = document.querySelector("form.editor");
  if (!form) return;
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  var title = form.elements.title;
  var slug = form.elements.slug;
  if (!title || !slug || slug.dataset.auto === undefined) return;
  var prefix = slug.dataset.auto;
  var typed = false;
  slug.addEventListener("input", function () { typed = slug.value !== ""; });
  title.addEventListener("input", function () {
    if (!typed) slug.value = prefix + slugify(title.value);
  });
  // As cms::slug::from_title on the server: accents off, the Dutch ij kept, one hyphen
  // between words.
  function slugify(text) {
    var s = text.toLowerCase()
      .replace(/\u0133/g, "ij").replace(/\u00df/g, "ss").replace(/\u00e6/g, "ae")
      .replace(/\u0153/g, "oe").replace(/\u00f8/g, "o").replace(/\u0142/g, "l")
      .replace(/&/g, "en").replace(/['\u2019]/g, "")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    s = s.slice(0, 80).replace(/-+$/, "");
    return s || "page";
  }
})();

// Forms that ask before they act (restoring an old version, say).
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-confirm]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("submit", function (e) {
      if (!window.confirm(this.dataset.confirm)) e.preventDefault();
    });
  }
})();

// The editor's images: one click puts an uploaded image where the cursor is; a file dropped
// on the text (or chosen) is uploaded (its description asked first) and put there. Errors
// are the server's own words, read from its answer.
(function () {
  "use strict";
  var panel = document.querySelector(".insert-media");
  var body = document.getElementById("body");
  if (!panel || !body) return;
  function insert(text) {
    var start = body.selectionStart, end = body.selectionEnd;
    var before = body.value.slice(0, start), after = body.value.slice(end);
    var pad = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var tail = /^\n\n/.test(after) ? "" : (after === "" || /^\n/.test(after) ? "\n" : "\n\n");
    body.value = before + pad + text + tail + after;
    var pos = (before + pad + text).length;
    body.focus();
    body.setSelectionRange(pos, pos);
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }
  panel.addEventListener("click", function (e) {
    var button = e.target.closest("button.pick");
    if (button) insert(button.dataset.insert);
  });
  function upload(file) {
    var alt = "";
    if (file.type !== "application/pdf") {
      alt = window.prompt(panel.dataset.altPrompt, "");
      if (alt === null || alt.trim() === "") return;
    }
    var data = new FormData();
    data.append("alt", alt.trim());
    data.append("file", file, file.name);
    fetch(panel.dataset.upload, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.text().then(function (text) {
        return { ok: res.ok, type: res.headers.get("content-type") || "", text: text };
      });
    }).then(function (r) {
      if (r.ok && r.type.indexOf("application/json") === 0) {
        insert(JSON.parse(r.text).snippet);
        return;
      }
      var error = new DOMParser().parseFromString(r.text, "text/html").querySelector("p.error");
      window.alert(error ? error.textContent : panel.dataset.failed);
    }).catch(function () { window.alert(panel.dataset.failed); });
  }
  var chooser = panel.querySelector("input.upload-here");
  if (chooser) chooser.addEventListener("change", function () {
    if (chooser.files.length) upload(chooser.files[0]);
    chooser.value = "";
  });
  function hasFiles(e) {
    return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0;
  }
  body.addEventListener("dragover", function (e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    body.classList.add("drop");
  });
  body.addEventListener("dragleave", function () { body.classList.remove("drop"); });
  body.addEventListener("drop", function (e) {
    if (!hasFiles(e) || !e.dataTransfer.files.length) return;
    e.preventDefault();
    body.classList.remove("drop");
    upload(e.dataTransfer.files[0]);
  });
})();

// The menu builder: buttons move a row up or down (the order numbers follow), so nobody has
// to renumber by hand. Without this script the numbers decide.
(function () {
  "use strict";
  var form = document.querySelector("form.navbuilder");
  if (!form) return;
  var tbody = form.querySelector("tbody");
  var save = form.querySelector("button[type=submit]");
  function renumber() {
    var orders = tbody.querySelectorAll("input.order");
    for (var i = 0; i < orders.length; i++) orders[i].value = String(i + 1);
  }
  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small secondary " + cls;
    b.textContent = text;
    return b;
  }
  var rows = tbody.querySelectorAll("tr.navrow");
  for (var i = 0; i < rows.length; i++) {
    var cell = rows[i].querySelector("td");
    cell.appendChild(button("\u2191", "up")).setAttribute("aria-label", save.dataset.up);
    cell.appendChild(button("\u2193", "down")).setAttribute("aria-label", save.dataset.down);
  }
  tbody.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    var row = b.closest("tr");
    if (b.classList.contains("up") && row.previousElementSibling) {
      tbody.insertBefore(row, row.previousElementSibling);
    } else if (b.classList.contains("down") && row.nextElementSibling) {
      tbody.insertBefore(row.nextElementSibling, row);
    }
    renumber();
    b.focus();
  });
})();
