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

  // A register's marks become one button each that cycles present, absent, late,
  // excused on a tap; the select under it is what the form sends, so the page works
  // without this too. The counts above Save follow the marks.
  function registers() {
    var form = document.getElementById("register");
    if (!form) return;
    var counts = form.querySelector(".reg-counts");
    function recount() {
      if (!counts) return;
      var n = { present: 0, absent: 0, late: 0, excused: 0 };
      Array.prototype.forEach.call(form.querySelectorAll("select.reg-select"), function (s) { n[s.value]++; });
      counts.textContent = n.present + " present · " + n.absent + " absent · " + n.late + " late · " + n.excused + " excused";
    }
    Array.prototype.forEach.call(form.querySelectorAll("select.reg-select"), function (sel) {
      if (sel.disabled) return;
      var name = sel.id && document.querySelector('label[for="' + sel.id + '"]');
      var button = document.createElement("button");
      button.type = "button";
      button.className = "reg-mark";
      function show() {
        var opt = sel.options[sel.selectedIndex];
        button.textContent = opt.text;
        button.setAttribute("data-status", sel.value);
        button.setAttribute("aria-label", (name ? name.textContent : "Mark") + ": " + opt.text + ". Tap to change.");
        sel.closest(".reg-row").setAttribute("data-status", sel.value);
      }
      button.addEventListener("click", function () {
        sel.selectedIndex = (sel.selectedIndex + 1) % sel.options.length;
        show();
        recount();
      });
      sel.hidden = true;
      sel.parentNode.insertBefore(button, sel);
      show();
    });
    recount();
  }

  // A button marked data-print prints the page (inline handlers are refused by the CSP).
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
  });

  function ready() {
    restore();
    registers();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
