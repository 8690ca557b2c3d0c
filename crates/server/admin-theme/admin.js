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
