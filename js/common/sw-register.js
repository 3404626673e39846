/* Offline reading: guides already opened, the home page, the catalog and the shells of
 * the self-check, apply and status pages (site/sw.js).
 * Needs: nothing from the other parts. */
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* no offline copy */ });
  });
}
