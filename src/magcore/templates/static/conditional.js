// SPDX-License-Identifier: EUPL-1.2
// magcore forms: show a conditional question only when the earlier answer it depends on says
// so. Progressive enhancement: without this script every question is shown with its
// "only fill this in if ..." hint, and the server refuses an answer to a question that was not
// asked. Served as a static file (never inline: the Content-Security-Policy forbids inline
// script). A hidden question's inputs are disabled, so the browser does not send them.
(function () {
  "use strict";

  function chosen(form, name) {
    var values = [];
    var inputs = form.querySelectorAll("[name]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.name !== name || input.disabled) continue;
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) values.push(input.value);
        else if (input.type === "checkbox" && input.value === "true") values.push("false");
      } else if (input.value !== "") {
        values.push(input.value);
      }
    }
    return values;
  }

  function update(form) {
    var blocks = form.querySelectorAll(".conditional[data-show-if-field]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var wanted = JSON.parse(block.getAttribute("data-show-if-values") || "[]");
      var have = chosen(form, block.getAttribute("data-show-if-field"));
      var shown = wanted.some(function (value) { return have.indexOf(value) !== -1; });
      block.hidden = !shown;
      var controls = block.querySelectorAll("input, select, textarea");
      for (var j = 0; j < controls.length; j++) controls[j].disabled = !shown;
    }
  }

  function start() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (!form.querySelector(".conditional[data-show-if-field]")) continue;
      // Several rounds: a question may depend on one that is itself conditional.
      var run = function (f) { return function () { update(f); update(f); update(f); }; }(form);
      form.addEventListener("change", run);
      form.addEventListener("input", run);
      run();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
