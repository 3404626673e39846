/* Kiosk mode (?kiosk=1 on a staff tablet at a fair, kept for this tab): 下一位 wipes what
 * the last person entered (answers, drafts, references) and goes back to the start. The
 * campaign code stays; an application still waiting for the network is still sent, but
 * silently, so the next person never sees it.
 * Needs: each (dom.js), local and session (storage.js), CAMPAIGN
 * (campaign.js), outbox and OUTBOX (outbox.js). */
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
  location.replace(kioskStart(session.get(KIOSK)));
}
/* Where 下一位 goes: the stored start page if it is a path of this site (one leading "/",
 * not "//" or "/\", no "\" anywhere: browsers read those as another host), else home. */
function kioskStart(kiosk) {
  var start = kiosk && kiosk.start;
  return typeof start === "string" && /^\/(?![\/\\])[^\\]*$/.test(start) ? start : "/";
}
function wireKiosk() {
  each("[data-jy-next]", function (b) { b.addEventListener("click", nextPerson); });
  // A page brought back by the Back button may still show the last person's answers.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && document.documentElement.classList.contains("jy-kiosk")) location.reload();
  });
}
