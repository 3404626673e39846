/* 就业通 service worker, at the site root so that it serves every page.
 * Pages: network first, the last copy when there is no network (guides a person opened, and
 * from the start the home page, the catalog and the self-check, apply and status shells).
 * Hashed theme assets: cache first. Public program data: network first, for the apply form.
 * Applications, status lookups and everything of staff never pass through this cache. */
"use strict";
var CACHE = "jy-v1";
var SHELLS = ["/", "/guides/", "/check/", "/apply/", "/status/"];
var DATA = ["/api/programs"];
var HASHED = /\.[0-9a-f]{8,}\.(min\.)?(js|css)$/;
var SLOW_MS = 6000;   // a page that has not answered by then comes from the phone, if kept

function put(key, response) {
  return caches.open(CACHE).then(function (cache) { return cache.put(key, response); });
}

/* A page and the stylesheets, scripts and images it loads, all from this site. What the
 * browser has just loaded comes from its HTTP cache (no second download); the kept copy is
 * only a fallback, refreshed by every visit with a network. */
function keepPage(cache, path) {
  return fetch(path, { cache: "force-cache" }).then(function (r) {
    if (!r.ok) return null;
    return r.clone().text().then(function (html) {
      var re = /(?:href|src)="([^"]*assets\/[^"]+\.(?:css|js|png|svg))"/g, m, assets = [];
      while ((m = re.exec(html))) {
        var url = new URL(m[1], self.location.origin + path);
        if (url.origin === self.location.origin) assets.push(url.href);
      }
      return cache.put(path, r).then(function () {
        return Promise.all(assets.map(function (a) {
          return cache.match(a).then(function (hit) {
            return hit || fetch(a, { cache: "force-cache" }).then(function (ar) { return ar.ok ? cache.put(a, ar) : null; });
          });
        }));
      });
    });
  }).catch(function () { return null; });   // what could not be kept is fetched next time
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELLS.map(function (p) { return keepPage(cache, p); }).concat(
      DATA.map(function (u) { return cache.add(u).catch(function () { return null; }); })));
  }).then(function () { return self.skipWaiting(); }));
});

/* The page that brought this worker in was loaded before it ran: keep that one too. */
function keepOpenPages() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(list.map(function (client) {
        var url = new URL(client.url);
        if (url.origin !== self.location.origin || /^\/(staff|api|q)\//.test(url.pathname)) return null;
        return cache.match(url.pathname).then(function (hit) { return hit || keepPage(cache, url.pathname); });
      }));
    });
  });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(keepOpenPages).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  var html = '<!doctype html><html lang="zh-CN"><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><title>没有网络 - 就业通</title>' +
    '<body style="font:20px/1.7 sans-serif;margin:1em;color:#1b1b1b"><h1 style="font-size:1.4em">现在没有网络</h1>' +
    '<p>这一页还没有存到手机上。你看过的政策、首页和“全部政策”没有网也能看。</p>' +
    '<p><a href="/">回首页</a> · <a href="/guides/">全部政策</a></p><p>有问题请打 12333。</p></body></html>';
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

/* Pages: the network first; on failure (or after SLOW_MS with a kept copy) the kept copy. */
function page(request, key) {
  var network = fetch(request).then(function (r) {
    if (r.ok && r.type === "basic") {
      var copy = r.clone();
      put(key, copy);
    }
    return r;
  });
  return new Promise(function (resolve, reject) {
    var settled = false;
    var timer = setTimeout(function () {
      caches.match(key).then(function (hit) { if (hit && !settled) { settled = true; resolve(hit); } });
    }, SLOW_MS);
    network.then(function (r) {
      clearTimeout(timer);
      if (!settled) { settled = true; resolve(r); }
    }, function () {
      clearTimeout(timer);
      caches.match(key).then(function (hit) {
        if (settled) return;
        settled = true;
        resolve(hit || offlinePage());
      }, reject);
    });
  });
}

function networkFirst(request, key) {
  return fetch(request).then(function (r) {
    if (r.ok) put(key, r.clone());
    return r;
  }, function (err) {
    return caches.match(key).then(function (hit) { return hit || Promise.reject(err); });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (r) {
      if (r.ok) put(request, r.clone());
      return r;
    });
  });
}

/* One program for the apply form: kept itself, or taken from the kept list of all programs. */
function program(request, key, slug) {
  return networkFirst(request, key).catch(function (err) {
    return caches.match("/api/programs").then(function (hit) {
      if (!hit) throw err;
      return hit.json().then(function (data) {
        for (var i = 0; i < data.programs.length; i++) {
          if (data.programs[i].slug === slug) {
            return new Response(JSON.stringify(data.programs[i]),
                                { headers: { "Content-Type": "application/json" } });
          }
        }
        throw err;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  var path = url.pathname, m;
  if (/^\/(staff|q|healthz)(\/|$)/.test(path)) return;
  if (path.indexOf("/api/") === 0) {
    if ((m = /^\/api\/programs\/([a-z0-9-]+)$/.exec(path))) event.respondWith(program(request, path, m[1]));
    else if (path === "/api/programs" || path === "/api/questions") event.respondWith(networkFirst(request, path));
    return;   // applications and status lookups: never kept
  }
  if (request.mode === "navigate") event.respondWith(page(request, path));
  else if (HASHED.test(path)) event.respondWith(cacheFirst(request));
  else event.respondWith(networkFirst(request, path));
});
