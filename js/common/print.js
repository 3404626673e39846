/* "打印办事清单": load the checklist's QR (kept out of the normal page load), then print.
 * Needs: each (dom.js). */
function wirePrint() {
  each("[data-jy-print]", function (b) {
    b.addEventListener("click", function () {
      var imgs = document.querySelectorAll(".jy-print-only img[data-src]"), waiting = imgs.length;
      if (!waiting) { window.print(); return; }
      for (var j = 0; j < imgs.length; j++) {
        imgs[j].onload = imgs[j].onerror = function () { if (--waiting === 0) window.print(); };
        imgs[j].src = imgs[j].getAttribute("data-src");
        imgs[j].removeAttribute("data-src");
      }
    });
  });
}
