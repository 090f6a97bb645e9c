// The mark sheet grid: Enter and the arrow keys move between students, a column pasted
// from a spreadsheet fills the sheet downwards, and leaving with unsaved marks asks first.
// Without this file the sheet is a plain form that still saves.
(function () {
  "use strict";
  var form = document.querySelector("form[data-marksheet]");
  if (!form) return;
  var cells = Array.prototype.slice.call(form.querySelectorAll("input.mark"));
  var state = form.querySelector("[data-sheet-state]");
  var dirty = false;

  // A cell is unsaved when it differs from the mark saved on the server (data-saved):
  // after a refused save the page comes back with what was typed, still unsaved.
  function unsaved(c) { return c.value.trim() !== (c.getAttribute("data-saved") || ""); }

  function changed(input) {
    input.classList.toggle("changed", unsaved(input));
    dirty = cells.some(unsaved);
    if (state) {
      var n = cells.filter(function (c) { return c.value.trim() !== ""; }).length;
      state.textContent = n + " of " + cells.length + " marked" + (dirty ? " · unsaved changes" : "");
    }
  }

  function move(from, by) {
    var i = cells.indexOf(from) + by;
    if (i < 0 || i >= cells.length) return;
    cells[i].focus();
    cells[i].select();
  }

  cells.forEach(function (input) {
    input.addEventListener("input", function () { changed(input); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === "ArrowDown") {
        e.preventDefault(); // Enter moves on; the Save button sends the sheet
        move(input, 1);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        move(input, -1);
      }
    });
    // Some input methods send Enter's keypress apart from its keydown: it must not send
    // the form either.
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter") e.preventDefault();
    });
    input.addEventListener("paste", function (e) {
      var text = (e.clipboardData || window.clipboardData).getData("text");
      if (!text || !/[\r\n\t]/.test(text.replace(/[\r\n]+$/, ""))) return; // one value: paste as usual
      e.preventDefault();
      // A column (or the first column of a block) from a spreadsheet: one value a line.
      var lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
      var start = cells.indexOf(input);
      lines.forEach(function (line, k) {
        var cell = cells[start + k];
        if (!cell || cell.readOnly) return;
        cell.value = line.split("\t")[0].trim();
        changed(cell);
      });
      var last = cells[Math.min(start + lines.length, cells.length) - 1];
      if (last) last.focus();
    });
  });

  cells.forEach(changed);

  window.addEventListener("beforeunload", function (e) {
    if (!dirty) return;
    e.preventDefault();
    e.returnValue = ""; // the browser asks whether to leave
  });
  form.addEventListener("submit", function () { dirty = false; });
})();
