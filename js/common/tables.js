/* A table wider than the phone scrolls sideways by itself: keyboards must reach it too.
 * Needs: each (dom.js). */
function wireTables() {
  each(".md-typeset table", function (t) {
    if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0");
    else t.removeAttribute("tabindex");
  });
}
