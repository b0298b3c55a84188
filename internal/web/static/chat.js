// Switchboard live chat pages (/chats, /visitors), loaded only there: the
// open chat's live updates, Enter to send, typing and read marks, switching
// chats, transfer and end dialogs, and the visitors list. app.js passes the
// event stream on as "chat" and "ticket" events on the body.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };

  var timers = {};
  // soon runs fn once, ms after the first of a burst of calls.
  function soon(key, ms, fn) {
    if (timers[key]) return;
    timers[key] = setTimeout(function () { timers[key] = null; fn(); }, ms);
  }
  function post(url, data) {
    data.csrf = csrf;
    return fetch(url, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf } }).catch(function () {});
  }
  function announce(text) {
    var live = $("#live");
    if (!live || !text) return;
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }
  // refresh reloads a region from its data-live URL, one request at a time.
  var busy = {}, again = {};
  function refresh(id) {
    var el = document.getElementById(id);
    if (!el || !el.getAttribute("data-live")) return;
    if (busy[id]) { again[id] = true; return; }
    busy[id] = true;
    var done = function () {
      busy[id] = false;
      if (again[id]) { again[id] = false; refresh(id); }
    };
    htmx.ajax("GET", el.getAttribute("data-live"), { source: el, target: el, swap: "outerHTML" }).then(done, done);
  }

  function main() { return $("#chat-main[data-chat]"); }
  function openId() { var m = main(); return m ? m.getAttribute("data-chat") : null; }

  // ---- the conversation ------------------------------------------------
  var shownChat = null, shownSeq = 0, stick = true, readSent = {};
  document.addEventListener("scroll", function (e) {
    var c = e.target;
    if (c.id === "log") stick = c.scrollHeight - c.scrollTop - c.clientHeight < 80;
  }, true);

  // chatShown runs when a chat's panes arrive (page load or switching).
  function chatShown() {
    var id = openId(), list = $("#chat-list");
    if (list) list.setAttribute("data-live", "/chats/list" + (id ? "?open=" + id : ""));
    $$("#chat-list .crow").forEach(function (r) {
      var on = r.getAttribute("data-id") === id, a = $("a", r);
      r.classList.toggle("current", on);
      if (on) { r.classList.remove("unread"); a.setAttribute("aria-current", "true"); } else a.removeAttribute("aria-current");
    });
    if (id !== shownChat) { shownChat = id; shownSeq = 0; stick = true; }
  }

  // logShown runs when the conversation arrives or is refreshed: new
  // visitor messages are announced, the newest stays in view, and the
  // agent's reading is recorded.
  function logShown(log) {
    var last = +log.getAttribute("data-last") || 0;
    if (shownSeq && last > shownSeq) {
      $$(".ce.v", log).forEach(function (li) {
        if (+li.getAttribute("data-seq") > shownSeq) {
          var who = $(".who strong", li), text = $(".text", li);
          announce((who ? who.textContent + ": " : "") + (text ? text.textContent : ""));
          showTyping({ on: false });
        }
      });
    }
    shownSeq = last;
    if (stick) log.scrollTop = log.scrollHeight;
    markRead();
  }
  // markRead tells the visitor the agent has read up to the last entry,
  // when the agent is in this chat and the page is in front of them.
  function markRead() {
    var m = main(), log = $("#log");
    if (!m || !log || !log.getAttribute("data-mine") || document.hidden) return;
    var id = m.getAttribute("data-chat"), last = +log.getAttribute("data-last") || 0;
    if (last > (readSent[id] || 0)) {
      readSent[id] = last;
      post("/chats/" + id + "/seen", { seq: last });
    }
  }
  document.addEventListener("visibilitychange", markRead);
  // seenUpTo marks the agent's messages the visitor has read.
  function seenUpTo(seq) {
    var log = $("#log");
    if (!log) return;
    log.setAttribute("data-vseen", seq);
    $$(".ce.a", log).forEach(function (li) { li.classList.toggle("read", +li.getAttribute("data-seq") <= seq); });
  }
  var typingTimer = null;
  function showTyping(d) {
    var p = $("#typing");
    if (!p) return;
    clearTimeout(typingTimer);
    var text = d.on ? p.getAttribute("data-text").replace("{name}", d.name || p.getAttribute("data-name")) : "";
    if (p.textContent !== text) p.textContent = text;
    if (d.on) typingTimer = setTimeout(function () { p.textContent = ""; }, 6000);
  }

  // ---- the composer: Enter sends, Shift+Enter breaks the line ----------
  function initComposer(form) {
    if (!form || form.getAttribute("data-init")) return;
    form.setAttribute("data-init", "1");
    var ta = $("textarea", form), files = $("input[type=file]", form), fileState = $(".file-state", form);
    var typingURL = ta.getAttribute("data-typing"), typedAt = 0;
    ta.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.isComposing) {
        e.preventDefault();
        if (ta.value.trim() || files.files.length) form.requestSubmit();
      } else if (e.key === "Escape") {
        ta.blur();
      }
    });
    // Typing reaches the visitor at most every two seconds (not for notes).
    ta.addEventListener("input", function () {
      if (!ta.value.trim() || $("#kind-note", form).checked) return;
      if (Date.now() - typedAt > 2000) {
        typedAt = Date.now();
        post(typingURL, { on: "1" });
      }
    });
    files.addEventListener("change", function () {
      fileState.textContent = Array.prototype.map.call(files.files, function (f) { return f.name; }).join(", ");
    });
    form.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail.elt !== form || !e.detail.successful) return;
      ta.value = "";
      files.value = "";
      fileState.textContent = "";
      if (typedAt && Date.now() - typedAt < 6000) post(typingURL, { on: "0" });
      typedAt = 0;
      stick = true;
      ta.focus();
    });
  }

  htmx.onLoad(function (root) {
    if (root.id === "chat-main" || $("#chat-main", root)) {
      var switched = shownChat !== null && openId() !== shownChat;
      chatShown();
      var ta = $("#chat-body");
      if (switched && ta) ta.focus();
    }
    if (root.id === "chat-list") chatShown();
    var log = root.id === "log" ? root : $("#log", root);
    if (log) logShown(log);
    initComposer($("#chat-composer"));
  });

  // ---- live events --------------------------------------------------------
  body.addEventListener("chat", function (e) {
    var d = e.detail, id = openId(), mine = String(d.chat_id) === id;
    switch (d.type) {
      case "chat.visitor":
        if ($("#visitors")) soon("visitors", 1500, function () { refresh("visitors"); });
        var m = main();
        if (m && (!d.visitors || d.visitors.indexOf(+m.getAttribute("data-visitor")) >= 0)) soon("visitor", 1000, function () { refresh("visitor-panel"); });
        return;
      case "chat.typing":
        if (mine) showTyping(d);
        return;
      case "chat.seen":
        if (mine && d.author === "visitor") seenUpTo(d.seq);
        if (d.author === "visitor") return;
        break;
      case "chat.entry":
      case "chat.state":
        if (mine) soon("log", 150, function () { refresh("log"); });
        break;
    }
    soon("list", 500, function () { refresh("chat-list"); });
  });
  // Agents watching a chat of another team, and notes, come as ticket events.
  body.addEventListener("ticket", function (e) {
    var m = main();
    if (m && String(e.detail.ticket_id) === m.getAttribute("data-ticket")) soon("log", 150, function () { refresh("log"); });
  });
  // Visitors leave without a word: look again now and then.
  setInterval(function () {
    if ($("#visitors")) refresh("visitors");
    if (main()) refresh("visitor-panel");
  }, 30000);

  // ---- dialogs and keys ---------------------------------------------------
  function openDialog(id) {
    var d = document.getElementById(id);
    if (d && !d.open) { d.showModal(); var f = $("select, input[type=checkbox]", d); if (f) f.focus(); }
  }
  document.addEventListener("click", function (e) {
    var o = e.target.closest && e.target.closest("[data-open]");
    if (o) openDialog(o.getAttribute("data-open"));
    var c = e.target.closest && e.target.closest("[data-close]");
    if (c) c.closest("dialog").close();
  });
  function typing(el) {
    var t = el && el.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || (el && el.isContentEditable);
  }
  // step opens the next (1) or previous (-1) chat of the list.
  function step(dir) {
    var links = $$("#chat-list .crow a");
    if (!links.length) return;
    var i = -1;
    links.forEach(function (a, j) { if (a.closest(".crow").classList.contains("current")) i = j; });
    i = i < 0 ? (dir > 0 ? 0 : links.length - 1) : (i + dir + links.length) % links.length;
    links[i].click();
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      step(e.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || $("dialog[open]")) return;
    switch (e.key) {
      case "j": step(1); break;
      case "k": step(-1); break;
      case "t": openDialog("transfer-dlg"); break;
      case "r": case "n":
        var radio = $("#kind-" + (e.key === "r" ? "reply" : "note")), ta = $("#chat-body");
        if (radio && ta) { radio.checked = true; ta.focus(); }
        break;
      default: return;
    }
    e.preventDefault();
  });
})();
