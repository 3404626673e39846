/* A labelled text input with its own error line, for forms.
 * Needs: el (dom.js). */
function field(id, label, attrs, hint) {
  var wrap = el("div", { "class": "jy-field" });
  wrap.appendChild(el("label", { "for": id }, label));
  if (hint) wrap.appendChild(el("p", { "class": "jy-help", id: id + "-hint" }, hint));
  var a = { id: id, name: id, "class": "jy-input jy-wide", "aria-describedby": id + "-err" + (hint ? " " + id + "-hint" : "") };
  for (var k in attrs || {}) a[k] = attrs[k];
  var input = el(a.tag || "input", a);
  input.removeAttribute("tag");
  wrap.appendChild(input);
  wrap.appendChild(el("p", { "class": "jy-field-error", id: id + "-err", role: "alert" }));
  return { wrap: wrap, input: input, error: function (msg) {
    afterTap(function () {
      document.getElementById(id + "-err").textContent = msg || "";
      if (msg) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    });
  } };
}

/* An error line that appears while a finger is down (the tap that left the field) would
 * move what the finger is on, and the tap would land on something else: changes wait until
 * the tap has landed. */
var pressing = false, afterPress = [];
function afterTap(change) {
  if (pressing) afterPress.push(change); else change();
}
function pressed() { pressing = true; }
function released() {
  setTimeout(function () {   // after the click the release leads to
    pressing = false;
    var todo = afterPress; afterPress = [];
    for (var i = 0; i < todo.length; i++) todo[i]();
  }, 350);
}
document.addEventListener("touchstart", pressed, true);
document.addEventListener("mousedown", pressed, true);
document.addEventListener("touchend", released, true);
document.addEventListener("touchcancel", released, true);
document.addEventListener("mouseup", released, true);
