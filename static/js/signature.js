// A finger signature on a canvas, kept as a PNG data URL in a hidden input.
(function () {
  "use strict";
  document.querySelectorAll("canvas[data-signature-for]").forEach(function (canvas) {
    var input = document.getElementById(canvas.getAttribute("data-signature-for"));
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth;
      if (!width) { return; }
      canvas.width = width * ratio;
      canvas.height = 160 * ratio;
      ctx.scale(ratio, ratio);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.strokeStyle = "#111";
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (!canvas.width || canvas.width === 300) { fit(); }
      drawing = true;
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
      event.preventDefault();
    });
    function finish() {
      if (drawing && drawn && input) { input.value = canvas.toDataURL("image/png"); }
      drawing = false;
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    canvas.style.touchAction = "none";
    var details = canvas.closest("details");
    if (details) { details.addEventListener("toggle", fit); }
    document.querySelectorAll('[data-signature-clear="' + canvas.getAttribute("data-signature-for") + '"]').forEach(function (button) {
      button.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        if (input) { input.value = ""; }
      });
    });
  });
})();
