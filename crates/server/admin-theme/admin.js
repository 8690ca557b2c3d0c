// Live preview in the page editor: the server renders the Markdown with the public site's
// sanitiser and this script only shows the result. No other script runs in the admin.
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
