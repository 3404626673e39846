/* 发给家人, and say(): one line in the page tools' status line (#jy-tool-msg).
 * Needs: el, each (dom.js). */
function say(text) {
  var msg = document.getElementById("jy-tool-msg");
  if (msg) msg.textContent = text;
}

/* 发给家人: copy this page's address; where the clipboard cannot be used, show the address
 * selected in a field so that a long press copies it. */
function wireShare() {
  each("[data-jy-share]", function (b) {
    b.addEventListener("click", function () {
      var url = location.protocol + "//" + location.host + location.pathname;
      var done = "链接已复制，打开微信粘贴发给家人";
      function fallback() {
        var input = document.getElementById("jy-share-link");
        if (!input) {
          input = el("input", { id: "jy-share-link", type: "text", readonly: "readonly", "class": "jy-input jy-wide",
                                "aria-label": "这一页的链接" });
          var msg = document.getElementById("jy-tool-msg");
          msg.parentNode.insertBefore(input, msg);
        }
        input.value = url;
        input.focus();
        input.select();
        try { input.setSelectionRange(0, url.length); } catch (e) { /* old browsers */ }
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
        say(copied ? done : "请长按上面的链接，选“复制”，再打开微信粘贴发给家人");
      }
      if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () { say(done); }, fallback);
      } else {
        fallback();
      }
    });
  });
}
