/* A guide built before its source's stated end carries the notice hidden, with the date:
 * once that day has passed in Beijing, the phone shows it (the page may be older than the
 * date, the truth may not).
 * Needs: each (dom.js). */
function wireNotices() {
  var today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  each(".jy-notice[data-until]", function (n) {
    if (today > n.getAttribute("data-until")) n.hidden = false;
  });
}
