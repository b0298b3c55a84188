// Switchboard canned response picker. Loaded by the picker itself the
// first time an agent opens it, so it weighs nothing on the inbox page.
// The server lists the matches of the search, each with its placeholders
// already filled for the ticket (data-text); this script only moves the
// choice with the arrow keys and inserts the chosen text at the caret of
// the composer's textarea, firing "input" so the draft is saved as if
// typed (and Ctrl+Z takes it out again).
(function () {
  "use strict";
  if (window.sbCanned) return; // the picker of every ticket loads it; once is enough
  window.sbCanned = true;

  function picker(el) {
    var box = el && el.closest && el.closest("details.canned");
    if (!box) return null;
    // The textarea it fills: data-for names it, else the form's own.
    var id = box.getAttribute("data-for"), form = box.closest("form");
    return {
      box: box,
      q: box.querySelector("input[type=search]"),
      ta: id ? document.getElementById(id) : form && form.querySelector("textarea")
    };
  }
  function options(p) { return Array.prototype.slice.call(p.box.querySelectorAll("[role=option]")); }
  function current(p) { return p.box.querySelector("[role=option][aria-selected=true]"); }

  function choose(p, opt) {
    options(p).forEach(function (o) { o.setAttribute("aria-selected", o === opt ? "true" : "false"); });
    if (!p.q) return;
    if (opt) {
      p.q.setAttribute("aria-activedescendant", opt.id);
      opt.scrollIntoView({ block: "nearest" });
    } else {
      p.q.removeAttribute("aria-activedescendant");
    }
  }
  function move(p, by) {
    var all = options(p);
    if (!all.length) return;
    var i = all.indexOf(current(p)) + by;
    choose(p, all[Math.max(0, Math.min(all.length - 1, i))]);
  }
  function close(p) {
    p.box.open = false;
    if (p.ta) p.ta.focus();
  }

  // insert puts the chosen text at the caret (replacing a selection) as a
  // paragraph of its own: a blank line parts it from text before and after.
  function insert(p, opt) {
    var ta = p.ta, text = opt.getAttribute("data-text") || "";
    if (!ta) return;
    var start = ta.selectionStart, end = ta.selectionEnd, v = ta.value;
    var before = v.slice(0, start).replace(/[ \t]+$/, ""), after = v.slice(end);
    start = before.length; // spaces before the caret give way to the break
    if (before && !/\n\n$/.test(before)) text = (/\n$/.test(before) ? "\n" : "\n\n") + text;
    var tail = after && after.charAt(0) !== "\n" ? "\n\n" : "";
    ta.focus();
    ta.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText is the fallback.
    if (!document.execCommand || !document.execCommand("insertText", false, text + tail)) {
      ta.setRangeText(text + tail, start, end, "end");
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var caret = start + text.length;
    ta.setSelectionRange(caret, caret);
    p.box.open = false;
    var live = document.getElementById("live");
    if (live) live.textContent = opt.querySelector(".ct").textContent;
    var use = opt.getAttribute("data-use");
    if (use && window.fetch) {
      fetch(use, { method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": document.body.getAttribute("data-csrf") || "" } }).catch(function () {});
    }
  }

  document.addEventListener("keydown", function (e) {
    var p = picker(e.target);
    if (!p || e.target !== p.q) {
      if (p && e.key === "Escape") { e.preventDefault(); close(p); }
      return;
    }
    switch (e.key) {
      case "ArrowDown": move(p, 1); break;
      case "ArrowUp": move(p, -1); break;
      case "Enter":
        var opt = current(p) || options(p)[0];
        if (opt) insert(p, opt);
        break;
      case "Escape": close(p); break;
      default: return;
    }
    e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var opt = e.target.closest && e.target.closest("details.canned [role=option]");
    if (opt) insert(picker(opt), opt);
  });
  // Opening the picker again puts the caret in its search, text selected.
  document.addEventListener("toggle", function (e) {
    var p = picker(e.target);
    if (p && e.target === p.box && p.box.open && p.q) { p.q.focus(); p.q.select(); }
  }, true);
  // New results: the first is the choice; screen readers hear how many.
  function loaded(el) {
    var p = picker(el);
    if (!p || !(el.classList.contains("cres") || el.querySelector(".cres"))) return;
    choose(p, current(p));
    var res = p.box.querySelector(".cres"), live = document.getElementById("live");
    if (live && res && document.activeElement === p.q && p.q.value) live.textContent = res.getAttribute("data-status");
  }
  htmx.onLoad(loaded);
  // The picker that loaded this script was swapped in before it ran.
  Array.prototype.forEach.call(document.querySelectorAll("details.canned .cres"), loaded);
})();
