/* 就业通: helpers shared by every page, and the page tools (大字, 朗读, 发给家人, 下一位),
 * the offline outbox for applications and the service worker.
 * Plain ES5 with fetch, for old WeChat browsers. Text is always set with textContent. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "class") n.className = attrs[k]; else n.setAttribute(k, attrs[k]);
    }
    if (text != null) n.textContent = text;
    return n;
  }

  function button(text, cls, onclick) {
    var b = el("button", { type: "button", "class": "md-button " + (cls || "") }, text);
    b.addEventListener("click", onclick);
    return b;
  }

  function clear(root) { while (root.firstChild) root.removeChild(root.firstChild); }

  function each(selector, fn) {
    var list = document.querySelectorAll(selector);
    for (var i = 0; i < list.length; i++) fn(list[i]);
  }

  /* fetch JSON; rejects with err.data = the API's {code, message, errors} when it answered,
   * err.status = the HTTP status, or no data when the network failed. */
  function request(api, method, path, body, headers) {
    var opts = { method: method, headers: { "Accept": "application/json" } };
    for (var h in headers || {}) opts.headers[h] = headers[h];
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(api + path, opts).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) {
          var e = new Error(data.message || "error");
          e.data = data; e.status = r.status; e.retryAfter = r.headers.get("Retry-After");
          throw e;
        }
        return data;
      });
    });
  }

  function store(kind) {
    var s = null;
    try { s = kind === "session" ? window.sessionStorage : window.localStorage; } catch (e) { /* blocked */ }
    return {
      get: function (key) { try { return JSON.parse(s.getItem(key) || "null"); } catch (e) { return null; } },
      set: function (key, v) { try { s.setItem(key, JSON.stringify(v)); } catch (e) { /* private mode */ } },
      remove: function (key) { try { s.removeItem(key); } catch (e) { /* ignore */ } }
    };
  }
  var local = store("local"), session = store("session");

  /* A labelled text input with its own error line, for forms. */
  function field(id, label, attrs, hint) {
    var wrap = el("div", { "class": "jy-field" });
    wrap.appendChild(el("label", { "for": id }, label));
    if (hint) wrap.appendChild(el("p", { "class": "jy-help", id: id + "-hint" }, hint));
    var a = { id: id, name: id, "class": "jy-input jy-wide", "aria-describedby": id + "-err" + (hint ? " " + id + "-hint" : "") };
    for (var k in attrs || {}) a[k] = attrs[k];
    var input = el(a.tag || "input", a);
    input.removeAttribute("tag");
    wrap.appendChild(input);
    wrap.appendChild(el("p", { "class": "jy-field-error", id: id + "-err", role: "alert" }));
    return { wrap: wrap, input: input, error: function (msg) {
      document.getElementById(id + "-err").textContent = msg || "";
      if (msg) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    } };
  }

  function newKey() {
    var a = new Uint8Array(16), s = "";
    (window.crypto || window.msCrypto).getRandomValues(a);
    for (var i = 0; i < a.length; i++) s += ("0" + a[i].toString(16)).slice(-2);
    return s;
  }

  /* A QR campaign's code arrives as ?c=CODE on whatever page the code opens. It is kept on
   * the phone for a week, so that a self-check or an application started later, from any
   * page, still counts for that job fair or village. Nothing personal is in it. */
  var CAMPAIGN = "jy.campaign", WEEK = 7 * 24 * 3600 * 1000;
  function campaign() {
    var c = local.get(CAMPAIGN);
    return c && c.code && new Date().getTime() - c.at < WEEK ? c.code : "";
  }
  var fromLink = new URLSearchParams(location.search).get("c");
  if (fromLink && /^[A-Za-z0-9_-]{1,32}$/.test(fromLink)) {
    local.set(CAMPAIGN, { code: fromLink, at: new Date().getTime() });
  }

  /* Applications made on this phone: only the reference and the program's title, for /status/. */
  var DONE = "jy.apply.done";
  function remember(reference, title) {
    var done = local.get(DONE) || [];
    done = done.filter(function (x) { return x.reference !== reference; });
    done.unshift({ reference: reference, title: title, at: new Date().toISOString().slice(0, 10) });
    local.set(DONE, done.slice(0, 5));
  }

  /* The outbox: an application sent without a network waits here (this phone only, with its
   * Idempotency-Key) and goes out on the next page load or when the network comes back. A
   * retry with the same key can never apply twice. Sent items are deleted at once. */
  var OUTBOX = "jy.outbox", listeners = [], flushing = false, retry = null;
  var outbox = {
    items: function () { return local.get(OUTBOX) || []; },
    find: function (program) {
      var all = outbox.items();
      for (var i = 0; i < all.length; i++) if (all[i].body.program === program && !all[i].quiet) return all[i];
      return null;
    },
    add: function (item) {
      local.set(OUTBOX, outbox.items().filter(function (x) { return x.key !== item.key; }).concat([item]));
    },
    remove: function (key) {
      var left = outbox.items().filter(function (x) { return x.key !== key; });
      if (left.length) local.set(OUTBOX, left); else local.remove(OUTBOX);
    },
    /* fn(event, item, data) with event "sent" | "duplicate" | "refused"; return true when
     * the page showed it, so the banner is not needed. */
    listen: function (fn) { listeners.push(fn); },
    flush: flush
  };

  function tell(event, item, data) {
    if (item.quiet) return;
    for (var i = 0; i < listeners.length; i++) if (listeners[i](event, item, data)) return;
    banner(event, item, data);
  }

  function flush() {
    var items = outbox.items();
    if (flushing || !items.length || navigator.onLine === false) return;
    flushing = true;
    var item = items[0];
    request("/api", "POST", "/applications", item.body, { "Idempotency-Key": item.key }).then(function (r) {
      flushing = false;
      outbox.remove(item.key);
      if (!item.quiet) remember(r.reference, r.program_title);
      tell("sent", item, r);
      flush();
    }, function (err) {
      flushing = false;
      var d = err.data;
      if (!d || err.status >= 500 || err.status === 429) {   // not through yet: try again later
        clearTimeout(retry);
        retry = setTimeout(flush, 30000);
        return;
      }
      outbox.remove(item.key);
      if (d.code === "duplicate_application") {
        if (!item.quiet) remember(d.reference, item.title);
        tell("duplicate", item, d);
      } else if (d.code === "idempotency_key_reused" || d.code === "invalid_idempotency_key") {
        item.key = newKey();
        outbox.add(item);
      } else {
        tell("refused", item, d);
      }
      flush();
    });
  }

  /* What happened to a waiting application, on a page that does not show it itself. */
  function banner(event, item, data) {
    var article = document.querySelector(".md-content__inner");
    if (!article) return;
    var box = el("div", { "class": "jy-banner", role: "status" });
    if (event === "sent") {
      box.appendChild(el("p", null, "你的申请（" + item.title + "）已经提交了。申请编号："));
      box.appendChild(el("p", { "class": "jy-reference" }, data.reference_display));
      box.appendChild(el("a", { "class": "md-button md-button--primary", href: data.status_url || "/status/" }, "查进度"));
    } else if (event === "duplicate") {
      box.appendChild(el("p", null, data.message));
      box.appendChild(el("a", { "class": "md-button md-button--primary", href: "/status/?ref=" + encodeURIComponent(data.reference) }, "查进度"));
    } else {
      box.appendChild(el("p", null, "你的申请（" + item.title + "）没有提交成功：" + (data.message || "") + " 请重新填写。"));
      box.appendChild(el("a", { "class": "md-button md-button--primary", href: "/apply/?program=" + encodeURIComponent(item.body.program) }, "重新填写"));
    }
    article.insertBefore(box, article.firstChild);
  }

  /* "打印办事清单": load the checklist's QR (kept out of the normal page load), then print. */
  function wirePrint() {
    each("[data-jy-print]", function (b) {
      b.addEventListener("click", function () {
        var imgs = document.querySelectorAll(".jy-print-only img[data-src]"), waiting = imgs.length;
        if (!waiting) { window.print(); return; }
        for (var j = 0; j < imgs.length; j++) {
          imgs[j].onload = imgs[j].onerror = function () { if (--waiting === 0) window.print(); };
          imgs[j].src = imgs[j].getAttribute("data-src");
          imgs[j].removeAttribute("data-src");
        }
      });
    });
  }

  function say(text) {
    var msg = document.getElementById("jy-tool-msg");
    if (msg) msg.textContent = text;
  }

  /* A table wider than the phone scrolls sideways by itself: keyboards must reach it too. */
  function wireTables() {
    each(".md-typeset table", function (t) {
      if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0");
      else t.removeAttribute("tabindex");
    });
  }

  /* 大字: the class is set in <head> before the page is drawn (site/main.html). */
  var BIG = "jy.big";
  function wireBig() {
    var root = document.documentElement;
    each("[data-jy-big]", function (b) {
      b.setAttribute("aria-pressed", root.classList.contains("jy-big") ? "true" : "false");
      b.addEventListener("click", function () {
        var on = !root.classList.contains("jy-big");
        root.classList.toggle("jy-big", on);
        if (on) local.set(BIG, 1); else local.remove(BIG);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        wireTables();
      });
    });
  }

  /* 发给家人: copy this page's address; where the clipboard cannot be used, show the address
   * selected in a field so that a long press copies it. */
  function wireShare() {
    each("[data-jy-share]", function (b) {
      b.addEventListener("click", function () {
        var url = location.protocol + "//" + location.host + location.pathname;
        var done = "链接已复制，打开微信粘贴发给家人";
        function fallback() {
          var input = document.getElementById("jy-share-link");
          if (!input) {
            input = el("input", { id: "jy-share-link", type: "text", readonly: "readonly", "class": "jy-input jy-wide",
                                  "aria-label": "这一页的链接" });
            var msg = document.getElementById("jy-tool-msg");
            msg.parentNode.insertBefore(input, msg);
          }
          input.value = url;
          input.focus();
          input.select();
          try { input.setSelectionRange(0, url.length); } catch (e) { /* old browsers */ }
          var copied = false;
          try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
          say(copied ? done : "请长按上面的链接，选“复制”，再打开微信粘贴发给家人");
        }
        if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(function () { say(done); }, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  /* 朗读: the guide's main text, in Mandarin, with the phone's own voice, a few sentences at a
   * time (long utterances stop early on some Android phones). Stop keeps the place. */
  var SKIP = /(^|\s)(jy-tools|jy-tool-msg|jy-actions|jy-share|jy-print-only|jy-keywords|jy-reviewed|jy-banner|headerlink)(\s|$)/;
  var BLOCKS = "h1,h2,h3,h4,p,li,dt,dd,th,td,ul,ol,table";
  function readable(root) {
    var out = [], stop = false;
    (function walk(node) {
      for (var c = node.firstElementChild; c && !stop; c = c.nextElementSibling) {
        if (SKIP.test(c.className || "") || c.hidden || /^(SCRIPT|STYLE|BUTTON|DETAILS|HR|IMG)$/.test(c.tagName)) continue;
        if (/^H2$/.test(c.tagName) && c.textContent.indexOf("政策依据") >= 0) { stop = true; return; }
        if (/^(H1|H2|H3|H4|P|LI|DT|DD|TH|TD)$/.test(c.tagName) && !c.querySelector(BLOCKS)) {
          var t = c.textContent.replace(/〔[^〕]*〕/g, "").replace(/\s+/g, " ").trim();
          if (t) out.push(t);
        } else {
          walk(c);
        }
      }
    })(root);
    var parts = [];
    out.forEach(function (t) {   // at most about 80 characters per utterance, cut after a sentence
      var bits = t.match(/[^。！？；]+[。！？；]?/g) || [t], cur = "";
      bits.forEach(function (b) {
        if (cur && (cur + b).length > 80) { parts.push(cur); cur = ""; }
        cur += b;
      });
      if (cur) parts.push(cur);
    });
    return parts;
  }
  function wireRead() {
    var b = document.querySelector("[data-jy-read]");
    if (!b) return;
    var synth = window.speechSynthesis;
    if (!synth || !window.SpeechSynthesisUtterance) { b.hidden = true; return; }
    var parts = null, at = 0, speaking = false;
    function label() { b.textContent = speaking ? "停止朗读" : (at > 0 ? "继续朗读" : "朗读"); }
    function voice() {
      var all = synth.getVoices ? synth.getVoices() || [] : [], best = null;
      for (var i = 0; i < all.length; i++) {   // a voice on the phone itself, never one online
        if (/^zh[-_]?(CN|Hans)?/i.test(all[i].lang) && all[i].localService !== false) {
          if (!best || /CN/i.test(all[i].lang)) best = all[i];
        }
      }
      return best;
    }
    function next() {
      if (!speaking) return;
      if (at >= parts.length) { speaking = false; at = 0; label(); return; }
      var u = new window.SpeechSynthesisUtterance(parts[at]);
      u.lang = "zh-CN";
      u.rate = 0.9;
      var v = voice();
      if (v) u.voice = v;
      u.onend = function () { if (speaking) { at++; next(); } };
      u.onerror = function (e) {
        if (speaking && e && e.error !== "interrupted" && e.error !== "canceled") { speaking = false; label(); }
      };
      synth.speak(u);
    }
    b.addEventListener("click", function () {
      if (speaking) { speaking = false; synth.cancel(); label(); return; }
      if (!parts) parts = readable(document.querySelector(".md-content__inner") || document.body);
      speaking = true;
      label();
      synth.cancel();
      next();
    });
    window.addEventListener("pagehide", function () { speaking = false; synth.cancel(); });
  }

  /* Kiosk mode (?kiosk=1 on a staff tablet at a fair, kept for this tab): 下一位 wipes what
   * the last person entered (answers, drafts, references) and goes back to the start. The
   * campaign code stays; an application still waiting for the network is still sent, but
   * silently, so the next person never sees it. */
  var KIOSK = "jy.kiosk";
  function nextPerson() {
    var i, k, s;
    var waiting = outbox.items();
    for (i = 0; i < waiting.length; i++) waiting[i].quiet = true;
    try {
      s = window.localStorage;
      for (i = s.length - 1; i >= 0; i--) {
        k = s.key(i);
        if (k && k.indexOf("jy.") === 0 && k !== CAMPAIGN) s.removeItem(k);
      }
      s = window.sessionStorage;
      for (i = s.length - 1; i >= 0; i--) {
        k = s.key(i);
        if (k && k.indexOf("jy.") === 0 && k !== KIOSK) s.removeItem(k);
      }
    } catch (e) { /* storage blocked */ }
    if (waiting.length) local.set(OUTBOX, waiting);
    if (window.speechSynthesis) window.speechSynthesis.cancel();
    var kiosk = session.get(KIOSK) || {};
    location.replace(kiosk.start || "/");
  }
  function wireKiosk() {
    each("[data-jy-next]", function (b) { b.addEventListener("click", nextPerson); });
    // A page brought back by the Back button may still show the last person's answers.
    window.addEventListener("pageshow", function (e) {
      if (e.persisted && document.documentElement.classList.contains("jy-kiosk")) location.reload();
    });
  }

  /* A guide built before its source's stated end carries the notice hidden, with the date:
   * once that day has passed in Beijing, the phone shows it (the page may be older than the
   * date, the truth may not). */
  function wireNotices() {
    var today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    each(".jy-notice[data-until]", function (n) {
      if (today > n.getAttribute("data-until")) n.hidden = false;
    });
  }

  function ready() {
    wireNotices();
    wirePrint();
    wireBig();
    wireShare();
    wireRead();
    wireKiosk();
    wireTables();
    window.addEventListener("resize", wireTables);
    flush();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
  window.addEventListener("online", flush);

  /* Offline reading: guides already opened, the home page, the catalog and the shells of
   * the self-check, apply and status pages (site/sw.js). */
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* no offline copy */ });
    });
  }

  window.JY = { el: el, button: button, clear: clear, request: request, store: store, field: field,
                campaign: campaign, newKey: newKey, remember: remember, outbox: outbox };
})();
