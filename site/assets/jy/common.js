/* 就业通: small helpers shared by the self-check, apply and status pages.
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
    var s = kind === "session" ? window.sessionStorage : window.localStorage;
    return {
      get: function (key) { try { return JSON.parse(s.getItem(key) || "null"); } catch (e) { return null; } },
      set: function (key, v) { try { s.setItem(key, JSON.stringify(v)); } catch (e) { /* private mode */ } },
      remove: function (key) { try { s.removeItem(key); } catch (e) { /* ignore */ } }
    };
  }

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

  /* A QR campaign's code arrives as ?c=CODE on whatever page the code opens. It is kept on
   * the phone for a week, so that a self-check or an application started later, from any
   * page, still counts for that job fair or village. Nothing personal is in it. */
  var CAMPAIGN = "jy.campaign", WEEK = 7 * 24 * 3600 * 1000;
  function campaign() {
    var c = store("local").get(CAMPAIGN);
    return c && c.code && new Date().getTime() - c.at < WEEK ? c.code : "";
  }
  var fromLink = new URLSearchParams(location.search).get("c");
  if (fromLink && /^[A-Za-z0-9_-]{1,32}$/.test(fromLink)) {
    store("local").set(CAMPAIGN, { code: fromLink, at: new Date().getTime() });
  }

  /* "打印办事清单": load the checklist's QR (kept out of the normal page load), then print. */
  function wirePrint() {
    var buttons = document.querySelectorAll("[data-jy-print]");
    for (var i = 0; i < buttons.length; i++) buttons[i].addEventListener("click", function () {
      var imgs = document.querySelectorAll(".jy-print-only img[data-src]"), waiting = imgs.length;
      if (!waiting) { window.print(); return; }
      for (var j = 0; j < imgs.length; j++) {
        imgs[j].onload = imgs[j].onerror = function () { if (--waiting === 0) window.print(); };
        imgs[j].src = imgs[j].getAttribute("data-src");
        imgs[j].removeAttribute("data-src");
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wirePrint);
  else wirePrint();

  window.JY = { el: el, button: button, clear: clear, request: request, store: store, field: field,
                campaign: campaign };
})();
