/* Search as people type in China: pasted text, voice input and the IME's chosen words arrive
 * as `input` events, and Material's search only listens for key-up. Each `input` on the
 * search box is passed on as a key-up, so what was pasted is searched too.
 * Needs: nothing. */
function wireSearch() {
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (!t || t.name !== "query" || !t.dispatchEvent) return;
    var up;
    try { up = new KeyboardEvent("keyup", { bubbles: true }); }
    catch (err) { up = document.createEvent("Event"); up.initEvent("keyup", true, true); }
    t.dispatchEvent(up);
  });
}
