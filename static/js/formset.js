// "Another item" for Django formsets: clone the empty form from a <template>.
(function () {
  "use strict";
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    var prefix = button.getAttribute("data-formset-add");
    var scope = button.parentElement;
    var template = scope.querySelector("template[data-formset-empty]");
    var rows = scope.querySelector("[data-formset-rows]");
    var total = scope.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var max = scope.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  });
})();
