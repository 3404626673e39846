/* Comes last: wires the page tools once the page is parsed, sends what waits in the outbox,
 * and gives the page scripts window.JY. JY.data is DATA, the server's tables (districts,
 * retention, ...), which the build step writes in front of the parts (service/pages.py). */
function ready() {
  wireNotices();
  wirePrint();
  wireBig();
  wireShare();
  wireRead();
  wireKiosk();
  wireTables();
  wireSearch();
  wireCallbacks();
  window.addEventListener("resize", wireTables);
  flush();
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
else ready();
window.addEventListener("online", flush);

window.JY = { el: el, button: button, clear: clear, request: request, store: store, field: field,
              campaign: campaign, steps: pageSteps, newKey: newKey, remember: remember, outbox: outbox, data: DATA,
              callback: callbackForm,
              shrinkPhoto: shrinkPhoto, sendPhoto: sendPhoto, newPhoto: newPhoto, photoChecklist: photoChecklist };
