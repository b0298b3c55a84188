// Switchboard live chat widget. A site embeds it with
//   <script src="https://desk.example.com/chat/widget.js" data-channel="KEY" async></script>
// No dependencies, no build step. It draws inside a Shadow DOM, sets all
// text with textContent, and defines no global but window.SwitchboardChat.
// The wire protocol is described in internal/widget/widget.go.
(() => {
'use strict';
const W = window, D = document;
if (W.SwitchboardChat) return;
const me = D.currentScript || D.querySelector('script[src*="/chat/widget.js"][data-channel]');
const ds = me ? me.dataset : {}, key = ds.channel;
if (!key) return;
const enc = encodeURIComponent, now = () => Date.now();
const api = me.src.replace(/\/chat\/widget\.js.*$/, '') + '/chat/' + enc(key);

// Storage per channel, in memory where the browser refuses it.
const LS = 'localStorage', SS = 'sessionStorage', mem = {};
const kv = (s, k, v) => {
  k = 'sbchat:' + key + ':' + k;
  let o = null;
  try { o = W[s]; o.length; } catch (e) { o = null; }
  if (v === undefined) { try { return JSON.parse(mem[k] || (o && o.getItem(k)) || 'null'); } catch (e) { return null; } }
  v = JSON.stringify(v);
  try { o.setItem(k, v); delete mem[k]; } catch (e) { mem[k] = v; }
};
// st: token, chat id, last seq shown, last seq read, panel open, ended chat put away.
const st = Object.assign({ token: '', chat: 0, last: 0, read: 0, open: false, gone: 0 }, kv(LS, 's'));
const save = () => kv(LS, 's', st);
const outbox = () => kv(LS, 'o') || []; // messages not acknowledged yet
const unbox = cid => kv(LS, 'o', outbox().filter(c => c.cid !== cid));
let ident = ds.userHash ? { id: ds.userId || '', email: ds.userEmail || '', name: ds.userName || '', hash: ds.userHash } : null;

let S = {}, cfg = {}, vis = {}, lang = 'en', online = false;
let chat = null, shown = 0, agentSeen = 0, agents = [], starting = false, offDone = false, seenSent = 0;
let host, wrap, L, B, P, G, log, pend, ty, cn, er, stl, endB, cf, preF, offF, doneP, comp, ta, endD, rateF, trH, trF, trP, msP, msF, M;

const t = (k, o) => (S[k] || k).replace(/\{(\w+)\}/g, (m, n) => o && n in o ? o[n] : m);
const h = (tag, a, ...kids) => {
  const el = D.createElement(tag);
  for (const k in a) {
    const v = a[k];
    if (v == null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids);
  return el;
};
const icon = (d, line) => {
  const n = 'http://www.w3.org/2000/svg', v = D.createElementNS(n, 'svg'), p = D.createElementNS(n, 'path');
  v.setAttribute('viewBox', '0 0 24 24');
  v.setAttribute('aria-hidden', 'true');
  p.setAttribute('d', d);
  if (line) p.setAttribute('class', 'k');
  v.append(p);
  return v;
};
const CLIP = 'M20 11.5l-8.1 8.1a5 5 0 0 1-7.1-7.1l8.5-8.5a3.4 3.4 0 0 1 4.8 4.8l-8.4 8.4a1.7 1.7 0 0 1-2.4-2.4l7.7-7.7';
const ib = (label, d, line, a) => h('button', Object.assign({ class: 'ib', type: 'button', 'aria-label': label, title: label }, a), icon(d, line));
const btn = (cls, text, onclick) => h('button', { class: cls, type: onclick ? 'button' : null, text, onclick });
const show = (el, on) => { el.hidden = !on; };
const cur = () => chat && chat.id !== st.gone ? chat : null;
const isOpen = c => c && c.status !== 'ended';
const byCid = c => pend.querySelector('[data-cid="' + CSS.escape(c) + '"]');
const size = n => n >= 1048576 ? Math.round(n / 104857.6) / 10 + ' MB' : Math.ceil(n / 1024) + ' KB';
const newCid = () => now().toString(36) + Math.random().toString(36).slice(2, 10);
const backoff = n => Math.min(30000, 800 * 2 ** n) * (0.5 + Math.random() / 2);
const when = at => {
  const d = new Date(at), o = { hour: 'numeric', minute: '2-digit' };
  if (d.toDateString() !== new Date().toDateString()) Object.assign(o, { day: 'numeric', month: 'short' });
  try { return h('time', { datetime: at, text: new Intl.DateTimeFormat(lang, o).format(d) }); } catch (e) { return ''; }
};
// text appends s to el, its web links clickable.
const text = (el, s) => {
  const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  let i = 0, m;
  while ((m = re.exec(s))) {
    el.append(s.slice(i, m.index), h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer', text: m[0] }));
    i = re.lastIndex;
  }
  el.append(s.slice(i));
  return el;
};

// Text on the channel's colour is white or near-black, whichever contrasts more.
const fgFor = c => {
  const v = parseInt(c.slice(1), 16);
  const [r, g, b] = [v >> 16, v >> 8 & 255, v & 255].map(x => (x /= 255) <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05;
  return 1.05 / y >= y / 0.05 ? '#fff' : '#111';
};
const css = (c, fg) => `:host{all:initial!important}*{box-sizing:border-box}
.w{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2937;--c:${c};--t:${fg}}
button,input,textarea{font:inherit;color:inherit}[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
svg{width:22px;height:22px;fill:currentColor;flex:none}.k{fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
:focus-visible{outline:2px solid #1d4ed8;outline-offset:2px}
.l{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:58px;height:58px;border:0;border-radius:50%;background:var(--c);color:var(--t);box-shadow:0 4px 16px #0005;display:grid;place-items:center}
.l svg{width:28px;height:28px}.l:focus-visible{outline:3px solid var(--c);outline-offset:3px}
.b{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;border-radius:11px;background:#b91c1c;color:#fff;font-size:12px;font-weight:700;line-height:18px;padding:0 5px;border:2px solid #fff}
.p{position:fixed;bottom:90px;right:20px;z-index:2147483000;width:380px;max-width:calc(100vw - 40px);height:min(620px,calc(100vh - 110px));background:#fff;border-radius:14px;box-shadow:0 10px 40px #0005;display:flex;flex-direction:column;overflow:hidden;overflow:clip}
.left .l,.left .p{right:auto;left:20px}
header{background:var(--c);color:var(--t);padding:12px 10px 12px 16px;display:flex;align-items:center;gap:6px}header :focus-visible{outline-color:var(--t)}
header div{flex:1;min-width:0}h2{font-size:16px;margin:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}header p{margin:0;font-size:13px}
.hb{background:none;border:1px solid;padding:3px 9px;font-size:13px}.ib{background:none;border:0;padding:6px;display:grid}
.cf{display:flex;align-items:center;gap:8px;padding:8px 12px;background:#fef3c7;font-size:14px}.cf p{margin:0;flex:1}
.m{flex:1;overflow-y:auto;padding:14px;background:#f8fafc}ol{list-style:none;margin:0;padding:0}
li{display:flex;flex-direction:column;align-items:flex-start;margin:10px 0}li.me{align-items:flex-end}
.bu,.g{max-width:85%;padding:8px 12px;border-radius:16px 16px 16px 4px;background:#e9edf2;color:#111827;white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.me .bu{background:var(--c);color:var(--t);border-radius:16px 16px 4px 16px}.bu a{color:inherit}
.who,.meta,.sy,.ty{font-size:12px;color:#4b5563;margin:0 4px 2px}.pe .bu{opacity:.75}.bad .meta{color:#b91c1c}
li.sy{align-items:center;font-size:13px;text-align:center}.ty{font-style:italic;min-height:1.4em}
.f{display:flex;gap:4px;margin-top:4px}.f img{max-width:200px;max-height:160px;border-radius:8px;background:#fff}
form{margin:12px 0 0}.fd{margin:0 0 10px}label{display:block;font-size:14px;font-weight:600;margin-bottom:3px}.fd span{font-weight:400;color:#4b5563}
.fd input,textarea{display:block;width:100%;border:1px solid #9ca3af;border-radius:8px;padding:8px 10px;background:#fff;resize:vertical}
[aria-invalid=true]{border-color:#b91c1c}.fe{color:#b91c1c;font-size:13px;margin:2px 0 0}.fe:empty{display:none}
button{cursor:pointer;border-radius:8px}.btn{background:var(--c);color:var(--t);border:0;padding:9px 16px;font-weight:600}.btn2{background:#fff;border:1px solid #6b7280;padding:8px 14px}
.note{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px;margin:12px 0 0}.note>form:first-child,.mp{margin-top:0}.ms{margin-bottom:12px}.note h3{font-size:15px;margin:16px 0 6px}
fieldset{border:0;padding:0;margin:0 0 10px}legend{font-weight:600;margin-bottom:6px;padding:0}
.stars{display:flex;gap:4px}.stars label{margin:0;font-size:30px;line-height:1;color:#9ca3af;cursor:pointer;padding:0 2px}
.stars .on{color:#d97706}.stars label:focus-within{outline:2px solid #1d4ed8}.stars input{position:absolute;opacity:0;width:1px}
.cn,.er{margin:0;padding:6px 12px;background:#fef3c7;font-size:13px}.er{background:#fee2e2;color:#7f1d1d}.er:empty{display:none}
.c{display:flex;align-items:flex-end;gap:4px;margin:0;padding:8px;border-top:1px solid #e5e7eb;background:#fff}
.c textarea{flex:1;border:0;resize:none;max-height:120px;padding:8px}.c [type=submit]{color:var(--c)}
@media (max-width:480px){.w{font-size:16px}.p{inset:0;width:auto;max-width:none;height:auto;border-radius:0}.open .l{display:none}}
@media (prefers-reduced-motion:no-preference){.p{animation:sbin .2s ease-out}@keyframes sbin{from{opacity:0;transform:translateY(10px)}}}`;

// Forms: labelled fields with their error under them.
let fid = 0;
const field = (name, mode, type, value) => {
  if (mode === 'off') return '';
  const id = 'f' + ++fid, a = { id, name, required: mode === 'required', 'aria-describedby': id + 'e' };
  return h('div', { class: 'fd' },
    h('label', { for: id }, t(name === 'text' ? 'message' : name), mode === 'optional' ? h('span', { text: ' ' + t('optional') }) : ''),
    type ? h('input', Object.assign(a, { type, value: value || '', autocomplete: type === 'email' ? 'email' : 'name' })) : h('textarea', Object.assign(a, { rows: 3, maxlength: 4000 })),
    h('p', { class: 'fe', id: id + 'e' }));
};
const form = (cls, fn, ...kids) => h('form', { class: cls, novalidate: true, onsubmit: e => { e.preventDefault(); err(''); fn(); },
  oninput: e => e.target.getAttribute('aria-invalid') === 'true' && mark(e.target, '') }, ...kids);
const mark = (el, msg) => {
  el.setAttribute('aria-invalid', !!msg);
  P.querySelector('#' + el.id + 'e').textContent = msg || '';
};
const valid = f => {
  let first = null;
  for (const el of f.querySelectorAll('[name]:not([type=radio])')) {
    const v = el.value.trim();
    const bad = el.required && !v ? t('required') : el.type === 'email' && v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? t('email_invalid') : '';
    mark(el, bad);
    first = first || bad && el;
  }
  if (first) first.focus();
  return !first;
};
const val = (f, n) => f.elements[n] ? f.elements[n].value.trim() : '';
const err = m => { er.textContent = m || ''; };
const failed = (f, x) => {
  const fs = x && x.fields;
  if (fs && f) for (const n in fs) if (f.elements[n]) mark(f.elements[n], t(n === 'email' ? 'email_invalid' : 'required'));
  err(fs ? t('fix_fields') : x && x.code === 'rate_limited' ? t('slow_down') : x && x.message || t('error'));
};

function build() {
  const col = /^#[0-9a-f]{6}$/i.test(cfg.color) ? cfg.color : '#2563eb', style = css(col, fgFor(col)), pc = cfg.prechat || {};
  host = D.createElement('switchboard-chat');
  const root = host.attachShadow({ mode: 'open' });
  try { // a constructed sheet passes a site's style-src CSP
    const sh = new CSSStyleSheet();
    sh.replaceSync(style);
    root.adoptedStyleSheets = [sh];
  } catch (e) { root.append(h('style', { text: style })); }
  B = h('span', { class: 'b', 'aria-hidden': 'true', hidden: true });
  L = h('button', { class: 'l', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sbp', onclick: () => panel(P.hidden, 1) }, icon('M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8l-5 4v-4H5a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z'), B);
  stl = h('p');
  endB = btn('hb', t('end'), () => { show(cf, true); cf.querySelector('button').focus(); });
  cf = h('div', { class: 'cf', hidden: true }, h('p', { text: t('end_confirm') }), btn('btn', t('end_yes'), end), btn('btn2', t('cancel'), () => { show(cf, false); endB.focus(); }));
  G = h('p', { class: 'g', text: cfg.greeting || t('greeting') });
  log = h('ol', { role: 'log', 'aria-live': 'polite', 'aria-label': t('conversation') });
  pend = h('ol');
  ty = h('p', { class: 'ty', role: 'status' });
  preF = form('pre', startChat, field('name', pc.name || 'optional', 'text', vis.name), field('email', pc.email || 'optional', 'email', vis.email),
    field('text', 'required'), btn('btn', t('start')));
  offF = form('off', leave, h('p', { text: t('offline_intro') }), field('name', 'optional', 'text', vis.name),
    field('email', 'required', 'email', vis.email), field('text', 'required'), btn('btn', t('offline_send')));
  doneP = h('p', { class: 'note', tabindex: '-1' });
  rateF = form('rt', rate, h('fieldset', {}, h('legend', { text: t('rate_title') }), h('div', { class: 'stars', onchange: stars },
    ...[1, 2, 3, 4, 5].map(n => h('label', { title: t('rate.' + n) }, h('input', { type: 'radio', name: 'score', value: n }),
      h('span', { 'aria-hidden': 'true', text: '★' }), h('span', { class: 'sr', text: t('rate.' + n) }))))),
    field('comment', 'optional'), btn('btn', t('rate_send')));
  trF = form('tr', transcript, field('email', 'required', 'email', vis.email), btn('btn2', t('transcript_send')));
  trP = h('p');
  msP = h('p', { class: 'mp', role: 'status' });
  msF = form('ms', leaveEmail, field('email', 'required', 'email'), btn('btn', t('missed_send')));
  endD = h('div', { class: 'note', tabindex: '-1' }, rateF, trH = h('h3', { text: t('transcript') }), trF, trP, msP, msF, btn('btn', t('new_chat'), newChat));
  ta = h('textarea', { rows: 1, maxlength: 4000, 'aria-label': t('message'), placeholder: t('placeholder'), oninput: typed,
    onkeydown: e => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); } } });
  const fi = h('input', { type: 'file', hidden: true, 'aria-label': t('attach'), onchange: () => { upload(fi.files[0]); fi.value = ''; } });
  comp = h('form', { class: 'c', onsubmit: e => { e.preventDefault(); submit(); } }, ta,
    ib(t('attach'), CLIP, 1, { onclick: () => fi.click() }), fi, ib(t('send'), 'M3 20.5l18.5-8.5L3 3.5v6.6l12.5 1.9L3 13.9z', 0, { type: 'submit' }));
  cn = h('p', { class: 'cn', role: 'status', hidden: true, text: t('reconnecting') });
  er = h('p', { class: 'er', role: 'alert' });
  M = h('div', { class: 'm' }, G, log, pend, ty, preF, offF, doneP, endD);
  P = h('div', { class: 'p', id: 'sbp', role: 'dialog', 'aria-labelledby': 'sbh', hidden: true, onkeydown: e => { if (e.key === 'Escape') { e.stopPropagation(); panel(false, 1); } } },
    h('header', {}, h('div', {}, h('h2', { id: 'sbh', text: cfg.name || t('launcher') }), stl), endB, ib(t('close'), 'M6 6l12 12M18 6L6 18', 1, { onclick: () => panel(false, 1) })),
    cf, M, cn, er, comp);
  wrap = h('div', { class: 'w' + (cfg.position === 'left' ? ' left' : ''), lang }, P, L);
  root.append(wrap);
  D.body.append(host);
  outbox().forEach(pending);
  starting = outbox().some(c => c.t === 'start');
}

// view shows what fits the chat's state: the greeting and a form, or the
// conversation with the composer, or the end with rating and transcript.
function view() {
  const c = cur(), open = isOpen(c) || starting, intro = !c && !starting;
  show(G, intro || !log.firstChild);
  show(preF, intro && online && !offDone);
  show(offF, intro && !online && !offDone);
  show(doneP, intro && offDone);
  show(log, !intro);
  show(ty, !intro);
  show(comp, open);
  show(endB, open && !starting);
  show(endD, c && !open);
  if (!open) { show(cf, false); ty.textContent = ''; }
  if (c && !open) { // a missed chat is answered by email: no rating, no transcript
    const ms = !!c.missed;
    msP.textContent = ms ? vis.email ? t('missed_email', { email: vis.email }) : t('missed_ask') : '';
    show(msP, ms);
    show(msF, ms && !vis.email);
    show(rateF, !c.rating && !ms);
    if (c.rating && !endD.querySelector('[data-done]')) rateF.after(h('p', { 'data-done': 1, text: t('rate_thanks') }));
    show(trH, !ms);
    show(trF, !trP.textContent && !ms);
    show(trP, !ms);
  }
  stl.textContent = !c ? t(online ? 'online' : 'away') : !open ? t('ended') : c.status === 'active' && c.agent ? t('with_agent', { name: c.agent }) : t('waiting');
  badge();
}

// panel opens or closes the panel; focus moves into it, or back to the
// launcher.
function panel(on, focus) {
  if (P.hidden !== on) return;
  show(P, on);
  wrap.classList.toggle('open', on);
  L.setAttribute('aria-expanded', on);
  st.open = on;
  const c = cur();
  if (!on && c && !isOpen(c)) st.gone = c.id; // done with the ended chat
  save();
  view();
  if (on) {
    unflash();
    M.scrollTop = M.scrollHeight;
    seen();
  }
  if (focus && !on) L.focus();
  if (focus && on) {
    const f = [preF, offF, comp].find(f => !f.hidden);
    (f && f.querySelector('input:not([hidden]),textarea') || P.querySelector('button')).focus();
  }
}

// Unread agent messages: a badge, a short sound and a flashing title.
const unread = () => agents.filter(s => s > st.read).length;
function badge() {
  const n = st.open && !D.hidden ? 0 : unread();
  B.textContent = n;
  show(B, n);
  L.setAttribute('aria-label', t('launcher') + (n ? ' (' + t('unread', { count: n }) + ')' : ''));
}
let ac, beeped = 0, flashT = 0, title0 = '';
function notify() {
  if (!P.hidden && !D.hidden) return;
  if (now() - beeped > 2000) {
    beeped = now();
    try {
      ac = ac || new (W.AudioContext || W.webkitAudioContext)();
      ac.resume();
      const o = ac.createOscillator(), g = ac.createGain(), t0 = ac.currentTime;
      o.frequency.setValueAtTime(660, t0);
      o.frequency.setValueAtTime(880, t0 + 0.12);
      g.gain.setValueAtTime(0.0001, t0);
      g.gain.exponentialRampToValueAtTime(0.12, t0 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.35);
      o.connect(g).connect(ac.destination);
      o.start(t0);
      o.stop(t0 + 0.36);
    } catch (e) { /* no sound here */ }
  }
  if (!flashT) {
    title0 = D.title;
    flashT = setInterval(() => { D.title = D.title === title0 ? '(' + Math.max(1, unread()) + ') ' + t('new_message') : title0; }, 1000);
  }
}
function unflash() {
  if (flashT) { clearInterval(flashT); flashT = 0; D.title = title0; }
}

// The log: entries in seq order, each once.
function fresh(c) {
  chat = c;
  starting = false;
  shown = c.id === st.gone ? c.last_seq : 0;
  agents = [];
  agentSeen = c.agent_seen || 0;
  seenSent = 0;
  log.replaceChildren();
  endD.querySelectorAll('[data-done]').forEach(e => e.remove());
  trP.textContent = '';
  if (st.chat !== c.id) Object.assign(st, { chat: c.id, last: 0, read: 0 });
  save();
}

function newChat() {
  if (chat) st.gone = chat.id;
  save();
  offDone = false;
  view();
  preF.querySelector('input,textarea').focus();
}

function file(f) {
  const u = api + '/files/' + f.id + '?token=' + enc(st.token), a = h('a', { class: 'f', href: u, target: '_blank', rel: 'noopener' });
  if (/^image\/(png|jpeg|gif|webp)$/.test(f.content_type)) a.append(h('img', { src: u, alt: f.filename, loading: 'lazy', onload: () => { M.scrollTop = M.scrollHeight; } }));
  else a.append(icon(CLIP, 1), f.filename + ' (' + size(f.size) + ')');
  return a;
}

// mk marks a visitor message delivered or read.
function mk(li) {
  const s = li.querySelector('.mk'), r = +li.dataset.seq <= agentSeen;
  if (s.dataset.r === String(r)) return;
  s.dataset.r = r;
  s.replaceChildren(' · ', r ? '✓✓ ' + t('read') : h('span', { 'aria-hidden': 'true', text: '✓' }), r ? '' : h('span', { class: 'sr', text: t('delivered') }));
}

function add(e) {
  if (e.chat_id === st.gone) return;
  if (!chat || e.chat_id !== chat.id) {
    if (chat && e.chat_id < chat.id) return;
    fresh({ id: e.chat_id, status: 'queued', last_seq: 0 });
  }
  if (e.seq <= shown) return;
  shown = e.seq;
  if (e.cid) { unbox(e.cid); const p = byCid(e.cid); if (p) p.remove(); }
  const near = M.scrollHeight - M.scrollTop - M.clientHeight < 120, ev = e.event;
  let li;
  if (e.kind === 'event') {
    if (/^(accepted|transferred|ended|rated|missed)$/.test(ev)) li = h('li', { class: 'sy', text: t('event.' + ev, { name: e.name, score: e.name }) });
    if (ev === 'ended' || ev === 'missed') Object.assign(chat, { status: 'ended', missed: ev === 'missed' });
    if (ev === 'missed' && e.seq > st.last) notify();
    if (ev === 'rated') chat.rating = +e.name;
    if (ev === 'accepted' || ev === 'transferred' && e.agent_id) Object.assign(chat, { status: 'active', agent: (e.name || '').split(' ')[0] });
  } else {
    const mine = e.author === 'visitor', b = text(h('p', { class: 'bu' }), e.text || '');
    (e.files || []).forEach(f => b.append(file(f)));
    li = h('li', { class: mine ? 'me' : 'ag', 'data-seq': e.seq }, h('span', { class: mine ? 'sr' : 'who', text: mine ? t('you') : e.name || t('agent') }), b,
      h('span', { class: 'meta' }, when(e.at), mine ? h('span', { class: 'mk' }) : ''));
    if (mine) mk(li);
    else {
      agents.push(e.seq);
      typing({});
      if (e.seq > st.last) notify();
    }
  }
  if (li) log.append(li);
  st.last = Math.max(st.last, e.seq);
  save();
  if (near || e.author === 'visitor') M.scrollTop = M.scrollHeight;
  view();
  seen();
}

function pending(c) {
  const li = h('li', { class: 'me pe', 'data-cid': c.cid }, text(h('p', { class: 'bu' }), c.text || ''), h('span', { class: 'meta', text: t('sending') }));
  pend.append(li);
  M.scrollTop = M.scrollHeight;
  return li;
}

// seen tells the agent how far the visitor has read, while they look.
function seen() {
  if (!cur() || P.hidden || D.hidden) return;
  if (shown > st.read) { st.read = shown; save(); }
  badge();
  if (live && shown > seenSent) { seenSent = shown; cmd({ t: 'seen', seq: shown }); }
}

let typingT = 0;
function typing(f) {
  clearTimeout(typingT);
  ty.textContent = f.on ? t('typing', { name: f.name || t('agent') }) : '';
  if (f.on) typingT = setTimeout(typing, 6000, {});
}

function frame(f) {
  const c = f.chat;
  switch (f.t) {
    case 'hello':
      online = !!f.online;
      if (c) {
        if (!chat || c.id > chat.id) fresh(c);
        else if (c.id === chat.id) Object.assign(chat, c);
        agentSeen = Math.max(agentSeen, c.agent_seen || 0);
        log.querySelectorAll('li.me').forEach(mk);
      }
      break;
    case 'entry': add(f.entry); break;
    case 'state': if (chat) Object.assign(chat, { status: f.status, agent: f.agent || chat.agent }); break;
    case 'typing': typing(f); break;
    case 'seen':
      agentSeen = Math.max(agentSeen, f.seq);
      log.querySelectorAll('li.me').forEach(mk);
      break;
    case 'ack': {
      unbox(f.cid);
      if (c && (!chat || c.id > chat.id)) fresh(c);
      if (f.req === 'start') starting = false;
      const p = byCid(f.cid);
      if (p) p.lastChild.textContent = '✓';
      break;
    }
    case 'error': {
      if (!f.cid) { failed(null, f); break; }
      if (f.code === 'rate_limited') { setTimeout(() => { sent.delete(f.cid); flush(); }, 5000); break; }
      unbox(f.cid);
      const p = byCid(f.cid);
      if (p) { p.classList.add('bad'); p.lastChild.textContent = t('not_sent') + ': ' + (f.message || t('error')); }
      if (f.req === 'start' && !cur()) { starting = false; failed(preF, f); }
    }
  }
  view();
}

// The live connection: a WebSocket, else Server-Sent Events, else long
// polling; reconnects with backoff and jitter.
const modes = ['ws', 'sse', 'poll'];
let mode = kv(SS, 'm') || 'ws', worked = {}, tries = 0, attempt = 0, gen = 0, live = false, conn = null, retryT = 0, downT = 0, rx = 0;
let sent = new Set(), flushing = false;

function stop() {
  gen++;
  if (conn) conn.close();
  conn = null;
  live = false;
}

function connect() {
  clearTimeout(retryT);
  stop();
  if (!st.token) return;
  const my = gen, q = () => '?token=' + enc(st.token) + '&chat=' + (chat ? chat.id : 0) + '&after=' + shown;
  let hello = false;
  sent = new Set();
  const fail = () => {
    if (my !== gen) return;
    stop();
    clearTimeout(downT);
    downT = setTimeout(() => show(cn, !live && isOpen(cur())), 2500);
    // A transport that never worked here and fails before its hello is
    // blocked (by a proxy): a WebSocket gets two tries, then the next one.
    // When long polling fails too it is the network: start over.
    if (!hello && !worked[mode] && navigator.onLine !== false && ++tries >= (mode === 'ws' ? 2 : 1)) {
      mode = modes[(modes.indexOf(mode) + 1) % 3];
      tries = 0;
    }
    retryT = setTimeout(connect, backoff(attempt++));
  };
  const got = f => {
    if (my !== gen) return;
    rx = now();
    if (f.t === 'hello' && !hello) {
      hello = live = worked[mode] = true;
      attempt = tries = 0;
      kv(SS, 'm', mode);
      clearTimeout(downT);
      show(cn, false);
    }
    frame(f);
    if (f.t === 'hello') { flush(); seen(); }
  };
  const json = e => { try { got(JSON.parse(e.data)); } catch (x) { /* not a frame */ } };
  const limit = setTimeout(() => hello || fail(), mode === 'poll' ? 45000 : 10000), close = x => () => { clearTimeout(limit); x(); };
  if (mode === 'ws') {
    const ws = new WebSocket(api.replace(/^http/, 'ws') + '/ws' + q());
    ws.onmessage = json;
    ws.onclose = fail;
    conn = { fail, close: close(() => { ws.onclose = null; ws.close(); }), send: c => ws.readyState === 1 && (ws.send(JSON.stringify(c)), true) };
  } else if (mode === 'sse') {
    const es = new EventSource(api + '/events' + q());
    es.onmessage = json;
    es.onerror = fail;
    conn = { fail, close: close(() => es.close()) };
  } else {
    let ctl;
    conn = { fail, close: close(() => ctl.abort()) };
    live = true; // a long poll answers only when there is news: send meanwhile
    flush();
    (async () => {
      while (my === gen) {
        ctl = new AbortController();
        const to = setTimeout(() => ctl.abort(), 40000), r = await fetch(api + '/poll' + q(), { signal: ctl.signal, cache: 'no-store' }), j = await r.json();
        clearTimeout(to);
        if (!r.ok) throw j;
        j.frames.forEach(got);
      }
    })().catch(fail);
  }
}

setInterval(() => { // keep-alive, and notice a WebSocket gone quiet
  if (live && mode === 'ws') now() - rx > 60000 ? conn.fail() : conn.send({ t: 'ping' });
}, 25000);

async function post(c, path, body) {
  const hd = { 'X-Chat-Token': st.token };
  if (!body) hd['Content-Type'] = 'application/json';
  const r = await fetch(api + (path || '/send'), { method: 'POST', headers: hd, body: body || JSON.stringify(c) });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw { code: j.code, message: j.detail, fields: j.fields };
  return j.frames || [];
}

// cmd sends a command that answers nothing worth waiting for.
function cmd(c) {
  if (live && !(conn.send && conn.send(c))) post(c).catch(() => {});
}

// req sends a command and returns its ok frame, or throws its error.
async function req(c) {
  const fs = await post(c), e = fs.find(f => f.t === 'error');
  if (e) throw e;
  fs.forEach(frame);
  return fs.find(f => f.t === 'ok') || {};
}

// flush sends the unacknowledged messages in order, each once per
// connection; the server stores a client id once, so resending is safe.
async function flush() {
  if (!live || flushing) return;
  flushing = true;
  try {
    for (let c; live && (c = outbox().find(x => !sent.has(x.cid)));) {
      sent.add(c.cid);
      if (!(conn.send && conn.send(c))) (await post(c)).forEach(frame);
    }
  } catch (e) {
    sent = new Set();
    setTimeout(flush, 3000);
  }
  flushing = false;
}

function box(c) {
  kv(LS, 'o', outbox().concat(c));
  pending(c);
  view();
  flush();
}

// What the visitor does.
function startChat() {
  if (!valid(preF)) return;
  const c = { t: 'start', cid: newCid(), text: val(preF, 'text'), name: val(preF, 'name'), email: val(preF, 'email') };
  vis.name = c.name || vis.name;
  vis.email = c.email || vis.email;
  preF.elements.text.value = '';
  starting = true;
  box(c);
  ta.focus();
}

function submit() {
  const s = ta.value.trim();
  if (!s) return;
  err('');
  ta.value = '';
  grow();
  stopTyping();
  box({ t: 'msg', cid: newCid(), text: s });
}

let typingOn = 0, idleT = 0;
function typed() {
  grow();
  if (now() - typingOn > 2000) { typingOn = now(); cmd({ t: 'typing', on: true }); }
  clearTimeout(idleT);
  idleT = setTimeout(stopTyping, 4000);
}
function stopTyping() {
  clearTimeout(idleT);
  if (typingOn) { typingOn = 0; cmd({ t: 'typing', on: false }); }
}
function grow() {
  ta.style.height = 'auto';
  ta.style.height = Math.min(ta.scrollHeight + 2, 120) + 'px';
}

async function upload(f) {
  if (!f) return;
  err('');
  if (cfg.max_upload && f.size > cfg.max_upload) return err(t('too_large', { size: size(cfg.max_upload) }));
  const cid = newCid(), li = pending({ cid, text: f.name }), fd = new FormData();
  fd.append('file', f);
  fd.append('cid', cid);
  fd.append('t', isOpen(cur()) ? 'msg' : 'start');
  try {
    for (const x of await post(0, '/upload', fd)) { if (x.t === 'error') throw x; frame(x); }
  } catch (x) { // chat.CheckFile's codes, in the visitor's words
    li.remove();
    const why = x.fields && x.fields.file;
    why ? err(t(why === 'too_large' ? 'too_large' : 'file_type', { size: size(cfg.max_upload) })) : failed(0, x);
  }
}

// act sends a request, then does what follows, or shows what went wrong.
const act = (f, c, then) => (!f || valid(f)) && req(c).then(then, x => failed(f, x));
const leave = () => act(offF, { t: 'offline', name: val(offF, 'name'), email: val(offF, 'email'), text: val(offF, 'text') }, ok => {
  offDone = true;
  doneP.replaceChildren(t('offline_done'), h('br'), ok.ticket ? t('reference', { number: ok.ticket }) : '');
  offF.elements.text.value = '';
  view();
  doneP.focus();
});
const end = () => { show(cf, false); act(0, { t: 'end' }, ok => { Object.assign(chat, ok.chat); view(); endD.focus(); }); };

function stars() {
  const v = +rateF.elements.score.value;
  rateF.querySelectorAll('.stars label').forEach((l, i) => l.classList.toggle('on', i < v));
}

function rate() {
  const s = +rateF.elements.score.value;
  if (!s) return err(t('choose_rating'));
  act(rateF, { t: 'rate', score: s, comment: val(rateF, 'comment') }, () => { chat.rating = s; view(); });
}
function leaveEmail() {
  const email = val(msF, 'email');
  act(msF, { t: 'email', email }, () => { vis.email = email; view(); endD.focus(); });
}
function transcript() {
  const email = val(trF, 'email');
  act(trF, { t: 'transcript', email, lang }, () => { trP.textContent = t('transcript_sent', { email }); view(); });
}

// Proactive invitations: the first rule matching this page and the
// visitor's visits opens the widget, once per browser session.
const glob = p => new RegExp('^' + (p || '*').split('*').map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
function invite() {
  const ok = () => !kv(SS, 'i') && P.hidden && !isOpen(cur()) && !starting;
  const r = ok() && (cfg.invitations || []).find(r => glob(r.url_pattern).test(location.href) && r.min_visits <= vis.visits);
  if (r) setTimeout(() => {
    if (!ok()) return;
    kv(SS, 'i', 1);
    G.textContent = r.greeting;
    panel(true);
  }, r.min_seconds * 1000);
}

// The session says who the visitor is and what the widget shows.
let sTries = 0;
const later = [];
async function session() {
  let j, r;
  try {
    r = await fetch(api + '/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({
      token: st.token, identity: ident, url: location.href, title: D.title, referrer: D.referrer,
      lang: navigator.language, tz: Intl.DateTimeFormat().resolvedOptions().timeZone }) });
    j = await r.json();
  } catch (e) { r = null; }
  if (!r || r.status >= 500 || r.status === 429) return setTimeout(session, backoff(sTries++ + 2));
  if (!r.ok) return console.warn('Switchboard chat:', j && j.detail);
  sTries = 0;
  ({ config: cfg, visitor: vis, online, lang } = j);
  S = j.strings || {};
  st.token = j.token;
  const first = !host, c = j.chat;
  if (first) build();
  if (c && c.status === 'ended' && c.id !== st.chat) st.gone = c.id; // an old chat
  if (c && (!chat || c.id !== chat.id)) fresh(c);
  else if (c) Object.assign(chat, c);
  else if (chat) { chat = null; log.replaceChildren(); }
  save();
  view();
  connect();
  if (first) {
    if (st.open) panel(true);
    invite();
    later.splice(0).forEach(f => f());
  }
}

W.addEventListener('online', () => { if (host && !live) { attempt = 0; connect(); } });
W.addEventListener('offline', () => { if (conn) conn.fail(); });
D.addEventListener('visibilitychange', () => {
  if (D.hidden || !host) return;
  if (!P.hidden) unflash();
  if (!live) { attempt = 0; connect(); }
  seen();
});

W.SwitchboardChat = {
  open() { host ? panel(true, 1) : later.push(() => panel(true, 1)); },
  close() { if (host) panel(false); },
  // identify signs the visitor in as {id, email, name, hash} (the hash
  // computed by the site's server, see the README), or out with null.
  identify(u) { ident = u && u.hash ? { id: String(u.id || ''), email: u.email || '', name: u.name || '', hash: u.hash } : null; if (host) session(); },
};
if (D.body) session(); else D.addEventListener('DOMContentLoaded', session);
})();
