/* The offline outbox, and the list of applications made on this phone.
 * Needs: el (dom.js), local (storage.js), request and newKey (api.js). */

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
