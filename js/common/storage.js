/* localStorage and sessionStorage that never throw (blocked, or private mode), as JSON;
 * local and session are the two every part uses. */
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
