/* The API request: fetch JSON (or send a FormData: a photo); rejects with err.data = the
 * API's {code, message, errors} when it answered, err.status = the HTTP status, or no data
 * when the network failed.
 * And newKey(): a random Idempotency-Key for an application. */
function request(api, method, path, body, headers) {
  var opts = { method: method, headers: { "Accept": "application/json" } };
  for (var h in headers || {}) opts.headers[h] = headers[h];
  if (body && window.FormData && body instanceof window.FormData) opts.body = body;   // a photo: the browser sets the multipart type
  else if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
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

function newKey() {
  var a = new Uint8Array(16), s = "";
  (window.crypto || window.msCrypto).getRandomValues(a);
  for (var i = 0; i < a.length; i++) s += ("0" + a[i].toString(16)).slice(-2);
  return s;
}
