/* DOM helpers: el (text is always set with textContent), button, clear, each. */
function el(tag, attrs, text) {
  var n = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === "class") n.className = attrs[k]; else n.setAttribute(k, attrs[k]);
  }
  if (text != null) n.textContent = text;
  return n;
}

function button(text, cls, onclick) {
  var b = el("button", { type: "button", "class": "md-button " + (cls || "") }, text);
  b.addEventListener("click", onclick);
  return b;
}

function clear(root) { while (root.firstChild) root.removeChild(root.firstChild); }

function each(selector, fn) {
  var list = document.querySelectorAll(selector);
  for (var i = 0; i < list.length; i++) fn(list[i]);
}
