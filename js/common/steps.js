/* The phone's back button (WeChat has no forward one) within a page of several screens: the
 * self-check's questions, the apply form's summary. Each step forward adds one browser
 * history entry on the same address; back (the phone's, or the page's own "← 上一题" /
 * "返回修改" through steps.back) goes to the screen before, not off the page.
 * `canGoBack()` says whether this page has a screen to go back to (the page keeps that in
 * storage, so a reload keeps the place); `goBack()` shows it.
 * popstate also fires for the entries added before a reload (the same document's), and for
 * one left over when the page went back by itself: with nothing to go back to, it passes the
 * back on, so the phone's back button never seems to do nothing.
 * Needs: nothing. */
function pageSteps(canGoBack, goBack) {
  var pushed = 0;   // entries added since this page loaded
  window.addEventListener("popstate", function () {
    if (pushed > 0) pushed--;
    if (canGoBack()) goBack(); else history.back();
  });
  return {
    forward: function () {
      try { history.pushState({ jyStep: true }, ""); pushed++; } catch (e) { /* old browser */ }
    },
    // the page's own back button: through the browser's history while it holds our entry,
    // so that history stays in step with the screens
    back: function () { if (pushed > 0) history.back(); else goBack(); }
  };
}
