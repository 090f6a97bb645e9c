// SMS pages: a few helpers, no framework and no build step. The pages work without this
// file; it only asks before actions that are hard to undo, fills a kept form back in,
// and closes the phone menu with Escape.
(function () {
  "use strict";

  // A form (or the button that sends it) whose data-confirm holds a question is sent only
  // if the answer is yes. The listener captures on the document, so it runs before
  // htmx's own submit listener on the form and stops it too.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var button = e.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  function samePath(a, b) {
    try {
      var x = new URL(a, document.baseURI), y = new URL(b, document.baseURI);
      return x.pathname + x.search === y.pathname + y.search;
    } catch (_) {
      return false;
    }
  }

  // A form sent after its session ended (or from a page older than the last sign-in)
  // comes back filled in with what was typed. It is never sent from here: the person
  // checks it and presses its button. Hidden fields keep the page's own values (a fresh
  // form token among them); passwords and files were never kept.
  function restore() {
    var kept = document.getElementById("restore");
    if (!kept) return;
    var fields;
    try {
      fields = JSON.parse(kept.getAttribute("data-fields") || "[]");
    } catch (_) {
      return;
    }
    var action = kept.getAttribute("data-action");
    var form = null;
    for (var i = 0; i < document.forms.length && !form; i++) {
      if (samePath(document.forms[i].getAttribute("action") || "", action)) form = document.forms[i];
    }
    if (!form) {
      kept.open = true; // no such form on this page: show the values to copy
      return;
    }
    var values = {};
    fields.forEach(function (f) {
      (values[f[0]] = values[f[0]] || []).push(f[1]);
    });
    var first = null;
    Array.prototype.forEach.call(form.elements, function (el) {
      var type = (el.type || "").toLowerCase();
      if (!el.name || ["hidden", "password", "file", "submit", "button", "reset"].indexOf(type) >= 0) return;
      var vals = values[el.name] || [];
      if (type === "checkbox" || type === "radio") {
        el.checked = vals.indexOf(el.value) >= 0; // a box that was not sent was unticked
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = vals.indexOf(o.value) >= 0; });
      } else if (el.name in values) {
        el.value = vals.length ? vals.shift() : "";
      } else {
        return;
      }
      first = first || el;
    });
    kept.hidden = true; // the values are in the form now
    if (first) first.focus();
  }

  // Escape closes the phone menu and gives the focus back to its button.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var menu = document.querySelector("details.menu[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
