// 整改通 Rectify — the only script. Pages work without it; it adds confirmation dialogs,
// file drop with a visible size check, and the print button. No inline handlers (CSP).
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.hasAttribute && t.hasAttribute("data-print")) { window.print(); }
  });
  function human(n) {
    if (n >= 1048576) { return (n / 1048576).toFixed(1) + " MB"; }
    return Math.ceil(n / 1024) + " KB";
  }
  function check(input) {
    var max = parseInt(input.getAttribute("data-max") || "0", 10);
    var out = document.getElementById(input.id + "-list");
    var total = 0, names = [];
    for (var i = 0; i < input.files.length; i++) {
      total += input.files[i].size;
      names.push(input.files[i].name + " (" + human(input.files[i].size) + ")");
    }
    if (out) { out.textContent = names.join(", "); }
    var over = max > 0 && total > max;
    input.setCustomValidity(over ? (input.getAttribute("data-too-large") || "too large") : "");
    if (over) { input.reportValidity(); }
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.type === "file") { check(t); }
  });
  document.querySelectorAll(".drop").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        check(input);
      }
    });
  });
})();
