/* 大字: the class is set in <head> before the page is drawn (site/main.html).
 * Needs: each (dom.js), local (storage.js), wireTables (tables.js). */
var BIG = "jy.big";
function wireBig() {
  var root = document.documentElement;
  each("[data-jy-big]", function (b) {
    b.setAttribute("aria-pressed", root.classList.contains("jy-big") ? "true" : "false");
    b.addEventListener("click", function () {
      var on = !root.classList.contains("jy-big");
      root.classList.toggle("jy-big", on);
      if (on) local.set(BIG, 1); else local.remove(BIG);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      wireTables();
    });
  });
}
