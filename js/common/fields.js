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
    document.getElementById(id + "-err").textContent = msg || "";
    if (msg) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  } };
}
