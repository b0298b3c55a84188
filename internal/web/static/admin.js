// The admin screens only (loaded on /admin pages, outside the agent's page
// budget): the current tab kept in view on a narrow screen, and copy
// buttons. A button with data-copy="ID" copies the value of
// the field with that id and says so for a moment (data-copied), also to
// screen readers through the page's live region.
(function () {
  "use strict";
  function copied(btn) {
    if (!btn.dataset.label) btn.dataset.label = btn.textContent;
    btn.textContent = btn.dataset.copied || btn.dataset.label;
    var live = document.getElementById("live");
    if (live) live.textContent = btn.textContent;
    clearTimeout(btn._t);
    btn._t = setTimeout(function () { btn.textContent = btn.dataset.label; }, 2000);
  }
  function selectCopy(field, btn) {
    field.focus();
    field.select();
    try { if (document.execCommand("copy")) copied(btn); } catch (_) { /* the text stays selected to copy by hand */ }
  }
  var tab = document.querySelector(".tabs-nav [aria-current]");
  if (tab && tab.parentNode.scrollWidth > tab.parentNode.clientWidth) {
    tab.parentNode.scrollLeft = tab.offsetLeft - tab.parentNode.offsetLeft - 16;
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var field = document.getElementById(btn.dataset.copy);
    if (!field) return;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { copied(btn); }, function () { selectCopy(field, btn); });
    } else {
      selectCopy(field, btn);
    }
  });
})();
