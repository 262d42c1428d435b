/* 底线 console: the screening form's risk assessment, computed by the server (the rule the screening is recorded
   with) as the cadre types. Without this script the form's 评估风险 button asks the same page. No other script. */
(function () {
  "use strict";
  var form = document.getElementById("screening");
  var out = document.getElementById("assessment");
  if (!form || !out || !window.fetch) { return; }
  var timer = null;
  var asked = 0;
  function ask() {
    var mine = ++asked;
    fetch(form.getAttribute("data-assess"), {
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: {"X-Dixian-Fragment": "1"}
    }).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (mine === asked && html) { out.innerHTML = html; } })
      .catch(function () { /* the button still asks the page */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(ask, 350); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
