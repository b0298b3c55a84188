// Switchboard agent app: live updates over SSE, presence heartbeats,
// keyboard shortcuts, composer drafts, ringing chats. No inline script
// (CSP); htmx does the swapping.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var me = body.getAttribute("data-me");
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };

  function openTicket() {
    var p = $("#ticket-pane[data-ticket]");
    return p ? p.getAttribute("data-ticket") : null;
  }
  function announce(text) {
    var live = $("#live");
    if (!live || !text) return;
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  // ---- live updates -------------------------------------------------
  // coalesce runs fn once, ms after the first of a burst of calls, so a
  // busy desk refreshes a few times a second at most, never starving.
  var timers = {};
  function coalesce(key, ms, fn) {
    if (timers[key]) return;
    timers[key] = setTimeout(function () { timers[key] = null; fn(); }, ms);
  }
  function debounce(key, ms, fn) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(fn, ms);
  }
  // refresh reloads one live region (an element with data-live="URL").
  // One request per region at a time; a change during it fetches again
  // afterwards, so a slow answer never leaves a stale region behind.
  var liveUntil = 0, inflight = {}, again = {};
  function editing(el) {
    var a = document.activeElement;
    return el.contains(a) && a !== el && a.tagName !== "BUTTON";
  }
  function refresh(id) {
    var el = document.getElementById(id);
    if (!el || !el.getAttribute("data-live")) return;
    if (inflight[id]) { again[id] = true; return; }
    if (id === "ticket-side" && editing(el)) { el.setAttribute("data-stale", "1"); return; }
    inflight[id] = true;
    liveUntil = Date.now() + 4000;
    var done = function () {
      inflight[id] = false;
      if (again[id]) { again[id] = false; refresh(id); }
    };
    htmx.ajax("GET", el.getAttribute("data-live"), { source: el, target: el, swap: "outerHTML" }).then(done, done);
  }
  function refreshTicket() { ["ticket-head", "thread", "ticket-side"].forEach(refresh); }
  function refreshAll() {
    refresh("list"); refresh("views"); refresh("ring");
    if (openTicket()) { refreshTicket(); refresh("presence"); }
  }
  setInterval(function () { refresh("presence"); }, 15000); // presence expires quietly
  if (me && window.EventSource) {
    var es = new EventSource("/events");
    var broken = false;
    es.addEventListener("ticket", function (e) {
      var d = JSON.parse(e.data);
      coalesce("list", 400, function () { refresh("list"); refresh("views"); });
      if (String(d.ticket_id) === openTicket()) coalesce("ticket", 250, refreshTicket);
      if (!d.self) announce(d.text);
      htmx.trigger(body, "ticket", d);
    });
    // Live chat: chat pages (chat.js) listen for "chat" on the body; the
    // ringing notice and chat count refresh when the event says so.
    es.addEventListener("chat", function (e) {
      var d = JSON.parse(e.data), s = $("#cs");
      if (d.my_status && s) s.value = d.my_status;
      htmx.trigger(body, "chat", d);
      if (d.ring) coalesce("ring", 300, function () { refresh("ring"); });
    });
    es.addEventListener("presence", function (e) {
      var d = JSON.parse(e.data);
      if (String(d.ticket_id) === openTicket()) refresh("presence");
    });
    es.addEventListener("resync", refreshAll);
    es.onerror = function () { broken = true; };
    // Once subscribed, look again at what rang between the page and now.
    es.onopen = function () { if (broken) { broken = false; refreshAll(); } else refresh("ring"); };
  }

  // Highlight rows and messages that changed in a live refresh; the mark
  // survives the next refresh for a moment.
  var seen = {};
  function mark(root, live) {
    var now = Date.now();
    $$(".row[data-id], .msg[data-id]", root).forEach(function (el) {
      var key = el.className.split(" ")[0] + el.getAttribute("data-id");
      var v = el.getAttribute("data-v") || "1", s = seen[key];
      if (live && (!s || s.v !== v)) s = seen[key] = { v: v, at: now };
      else if (!s) s = seen[key] = { v: v, at: 0 };
      s.v = v;
      if (now - s.at < 3000) el.classList.add("flash");
    });
  }
  mark(document, false);

  // The side panel was not replaced while the agent edited in it: catch
  // up when they leave it.
  body.addEventListener("focusout", function (e) {
    var side = $("#ticket-side[data-stale]");
    if (side && !side.contains(e.relatedTarget)) {
      side.removeAttribute("data-stale");
      refresh("ticket-side");
    }
  });

  // Keep keyboard focus where it was when the region holding it is
  // replaced (and only then: focus never jumps on its own).
  // Opened quoted history stays open too.
  var focusId = null, opened = [];
  function remember(e) {
    var a = document.activeElement, t = e.detail && e.detail.target;
    if (a && a !== body && a.id && t && t.contains && t.contains(a)) focusId = a.id;
    if (t && t.id === "thread") opened = $$("details.quoted[open]", t).map(function (d) { return d.closest("li").id; });
  }
  function restore() {
    if (focusId && (!document.activeElement || document.activeElement === body)) {
      var el = document.getElementById(focusId);
      if (el) el.focus();
    }
    focusId = null;
    opened.forEach(function (id) { var d = $("#" + id + " details.quoted"); if (d) d.open = true; });
    opened = [];
  }
  body.addEventListener("htmx:beforeSwap", remember);
  body.addEventListener("htmx:oobBeforeSwap", remember);
  body.addEventListener("htmx:afterSwap", restore);
  body.addEventListener("htmx:oobAfterSwap", restore);

  // Keep the newest message in view when the thread grows, unless the
  // agent scrolled up to read.
  var stick = true;
  document.addEventListener("scroll", function (e) {
    var c = e.target;
    if (c.classList && c.classList.contains("ticket-col")) stick = c.scrollHeight - c.scrollTop - c.clientHeight < 80;
  }, true);
  function toBottom() { var c = $(".ticket-col"); if (c) c.scrollTop = c.scrollHeight; }

  // A ringing chat flashes the title and is announced once.
  var title0 = "", flashT = null, said = "";
  function ringing(el) {
    var say = el.getAttribute("data-say");
    clearInterval(flashT);
    if (title0) document.title = title0;
    title0 = "";
    if (!say) { said = ""; return; }
    if (say !== said) announce(said = say);
    title0 = document.title;
    flashT = setInterval(function () {
      if (document.title === say) document.title = title0;
      else { title0 = document.title; document.title = say; }
    }, 1000);
  }

  htmx.onLoad(function (root) {
    var rg = root.id === "ring" ? root : $("#ring", root);
    if (rg) ringing(rg);
    mark(root, Date.now() < liveUntil);
    if (root.id === "thread" && stick) toBottom();
    if (root.id === "list") { markCurrent(); reselect(); }
    $$(".toast", root).forEach(function (t) { setTimeout(function () { t.remove(); }, 6000); });
    if (root.querySelector && (root.id === "ticket-pane" || $("#composer", root))) initTicket();
    $$("[data-select]", root).forEach(function (el) { el.addEventListener("focus", function () { el.select(); }); });
  });

  // ---- the open ticket: drafts and presence ---------------------------
  var current = null, lastTyped = 0, lastState = "", beatTimer = null;
  function beat(id, state) {
    var data = new URLSearchParams({ state: state, csrf: csrf });
    if (state === "left" && navigator.sendBeacon) {
      navigator.sendBeacon("/tickets/" + id + "/presence", data);
      return;
    }
    fetch("/tickets/" + id + "/presence", { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf } }).catch(function () {});
  }
  function state() {
    var ta = $("#composer textarea");
    return ta && ta.value.trim() && Date.now() - lastTyped < 30000 ? "replying" : "viewing";
  }
  function tick(force) {
    if (!current) return;
    var s = state();
    if (force || s !== lastState) { lastState = s; beat(current, s); }
  }
  // Mark the open ticket's row in the list (also after the list refreshes).
  function markCurrent() {
    var id = openTicket();
    $$(".row").forEach(function (r) {
      var on = r.getAttribute("data-id") === id;
      r.classList.toggle("current", on);
      var a = $("a", r);
      if (on) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    });
  }
  function initTicket() {
    var id = openTicket();
    var form = $("#composer");
    markCurrent();
    if (id !== current) {
      stick = true;
      toBottom();
      if (current) beat(current, "left");
      current = id; lastState = "";
      clearInterval(beatTimer);
      if (id) beatTimer = setInterval(function () { tick(true); }, 20000);
      tick(true);
    }
    if (!form || form.getAttribute("data-init")) return;
    form.setAttribute("data-init", "1");
    var ta = $("textarea", form), key = "sb-draft-" + form.getAttribute("data-ticket");
    var status = $(".draft-state", form);
    try {
      var saved = JSON.parse(localStorage.getItem(key) || "null");
      if (saved && saved.body && !ta.value) {
        ta.value = saved.body;
        if (saved.kind === "note") $("#kind-note", form).checked = true;
      }
    } catch (err) { /* storage unavailable */ }
    function save() {
      try {
        if (ta.value.trim()) {
          var kind = $("#kind-note", form).checked ? "note" : "reply";
          localStorage.setItem(key, JSON.stringify({ body: ta.value, kind: kind }));
          status.textContent = status.getAttribute("data-saved") || "✓";
        } else {
          localStorage.removeItem(key);
          status.textContent = "";
        }
      } catch (err) { /* storage full or unavailable */ }
    }
    ta.addEventListener("input", function () {
      lastTyped = Date.now();
      debounce("draft", 300, save);
      tick(false);
    });
    form.addEventListener("change", function (e) {
      if (e.target.name === "kind") save();
      if (e.target.type === "file") showFiles();
    });
    // Files dropped anywhere on the composer are attached.
    var files = $("input[type=file]", form), fileState = $(".file-state", form);
    function showFiles() {
      fileState.textContent = Array.prototype.map.call(files.files, function (f) { return f.name; }).join(", ");
    }
    form.addEventListener("dragover", function (e) { e.preventDefault(); form.classList.add("drop"); });
    form.addEventListener("dragleave", function () { form.classList.remove("drop"); });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      form.classList.remove("drop");
      if (e.dataTransfer && e.dataTransfer.files.length) { files.files = e.dataTransfer.files; showFiles(); }
    });
    ta.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else $("#send", form).click();
      } else if (e.key === "Escape") {
        ta.blur();
      }
    });
    form.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail.elt !== form || !e.detail.successful) return;
      ta.value = "";
      files.value = "";
      showFiles();
      try { localStorage.removeItem(key); } catch (err) { /* ignore */ }
      status.textContent = "";
      lastTyped = 0;
      tick(false);
    });
  }
  window.addEventListener("pagehide", function () { if (current) beat(current, "left"); });

  // A request that never reached the server says so.
  body.addEventListener("htmx:sendError", offline);
  function offline() {
    var box = $("#toasts");
    if (!box) return;
    var t = document.createElement("div");
    t.className = "toast error";
    t.setAttribute("role", "alert");
    t.textContent = body.getAttribute("data-offline");
    box.appendChild(t);
    setTimeout(function () { t.remove(); }, 8000);
  }

  // ---- confirmations ---------------------------------------------------
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

  // ---- keyboard ---------------------------------------------------------
  function typing(el) {
    if (!el) return false;
    var t = el.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || el.isContentEditable;
  }
  function rows() { return $$("#list .row"); }
  function selected() {
    var r = rows();
    for (var i = 0; i < r.length; i++) if (r[i].classList.contains("sel")) return i;
    for (i = 0; i < r.length; i++) if (r[i].classList.contains("current")) return i;
    return -1;
  }
  var selId = null;
  function select(i) {
    var r = rows();
    if (!r.length) return;
    i = Math.max(0, Math.min(r.length - 1, i));
    r.forEach(function (x) { x.classList.remove("sel"); });
    r[i].classList.add("sel");
    selId = r[i].getAttribute("data-id");
    $("a", r[i]).focus();
  }
  // After a live refresh of the list, the selection stays on its ticket.
  function reselect() {
    if (!selId) return;
    var r = $('#list .row[data-id="' + selId + '"]');
    if (!r) return;
    r.classList.add("sel");
    if (document.activeElement === body) $("a", r).focus();
  }
  function click(sel) { var b = $(sel); if (b) b.click(); }
  function compose(kind) {
    var radio = $("#kind-" + kind);
    var ta = $("#composer textarea");
    if (!radio || !ta) return;
    radio.checked = true;
    ta.focus();
  }
  var gPressed = 0;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if ($("dialog[open]") && e.key !== "?") return;
    var k = e.key;
    if (gPressed && Date.now() - gPressed < 1200) {
      gPressed = 0;
      var to = { i: "/inbox", c: "/chats", v: "/visitors" }[k];
      if (to) { e.preventDefault(); window.location.href = to; }
      return;
    }
    switch (k) {
      case "j": select(selected() + 1); break;
      case "k": select(selected() - 1); break;
      case "o": var i = selected(); if (i >= 0) $("a", rows()[i]).click(); break;
      case "r": compose("reply"); break;
      case "n": compose("note"); break;
      case "a": click("#act-assign"); break;
      case "e": click("#act-resolve"); break;
      case "s": click("#act-pending"); break;
      case "#": click("#act-spam"); break;
      case "c": click("#ring button"); break;
      case "/": var q = $("#q"); if (q) q.focus(); break;
      case "g": gPressed = Date.now(); break;
      case "?": shortcuts(); break;
      default: return;
    }
    e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var toast = e.target.closest && e.target.closest(".toast");
    if (toast) toast.remove();
    var b = e.target.closest && e.target.closest("[data-action=shortcuts]");
    if (b) shortcuts();
  });
  // The shortcut sheet comes from the server the first time it opens.
  function shortcuts() {
    var d = $("#shortcuts");
    if (!d) return;
    if (d.open) return d.close();
    if (d.firstElementChild) return d.showModal();
    fetch(d.dataset.src, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw r;
      return r.text();
    }).then(function (h) {
      d.innerHTML = h;
      d.showModal();
    }, offline);
  }
})();
