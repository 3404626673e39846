/* 朗读: the guide's main text, in Mandarin, with the phone's own voice, a few sentences at a
 * time (long utterances stop early on some Android phones). Stop keeps the place.
 * Needs: nothing from the other parts. */
var SKIP = /(^|\s)(jy-tools|jy-tool-msg|jy-actions|jy-share|jy-print-only|jy-keywords|jy-reviewed|jy-banner|jy-callback|headerlink)(\s|$)/;
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
    if (v) { try { u.voice = v; } catch (e) { /* lang alone picks one */ } }
    u.onend = function () { if (speaking) { at++; next(); } };
    u.onerror = function (e) {
      if (speaking && e && e.error !== "interrupted" && e.error !== "canceled") { speaking = false; label(); }
    };
    synth.speak(u);
  }
  // Offered only where the phone has a Chinese voice of its own: elsewhere a tap would do
  // nothing. Voices often arrive a moment after the page (voiceschanged); until then the
  // button is hidden, its place in the row kept (site/main.html), so nothing moves.
  var decided = false;
  function decide(final) {
    if (decided) return;
    var known = synth.getVoices ? (synth.getVoices() || []).length : 0;
    if (voice()) { decided = true; b.hidden = false; return; }
    if (known || final) { decided = true; b.hidden = true; }
  }
  decide(false);
  if (!decided) {
    if (synth.addEventListener) synth.addEventListener("voiceschanged", function () { decide(false); });
    setTimeout(function () { decide(true); }, 2000);
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
