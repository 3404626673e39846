/* Photos of documents, for the apply form and the status page: the guide's checklist, each
 * paper with a 拍照 button that opens the phone's camera. A photo is shrunk here first (long
 * side at most 1600 px, JPEG at 0.8: a few hundred KB, and the canvas writes no EXIF, so no
 * GPS either), then sent with its own Idempotency-Key: on a weak network the same photo can
 * be sent again whole, and the server keeps it once.
 * Needs: el (dom.js), request and newKey (api.js). */
var PHOTO_SIDE = 1600, PHOTO_QUALITY = 0.8, PHOTO_MAX = 5 * 1024 * 1024, photoCount = 0;

function blobFromDataUrl(url) {
  var bytes = atob(url.split(",")[1]), a = new Uint8Array(bytes.length);
  for (var i = 0; i < bytes.length; i++) a[i] = bytes.charCodeAt(i);
  return new Blob([a], { type: "image/jpeg" });
}

/* The picked file as a small JPEG (a Blob). A file this browser cannot draw (a format it
 * does not know) goes as it is, when small enough: the server decides what it is. */
function shrinkPhoto(file) {
  return new Promise(function (resolve, reject) {
    var URLs = window.URL || window.webkitURL;
    var url = URLs.createObjectURL(file), img = new Image();
    function asIs() {
      if (file.size <= PHOTO_MAX) resolve(file); else reject(new Error("too big"));
    }
    img.onload = function () {
      var w = img.naturalWidth, h = img.naturalHeight, k = Math.min(1, PHOTO_SIDE / Math.max(w, h));
      var c = document.createElement("canvas"), ctx = c.getContext && c.getContext("2d");
      URLs.revokeObjectURL(url);
      if (!ctx || !w || !h) { asIs(); return; }
      c.width = Math.max(1, Math.round(w * k));
      c.height = Math.max(1, Math.round(h * k));
      ctx.fillStyle = "#fff";            // a transparent screenshot becomes white paper
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);   // turned as the phone shows it
      try {
        if (c.toBlob) c.toBlob(function (b) { if (b) resolve(b); else asIs(); }, "image/jpeg", PHOTO_QUALITY);
        else resolve(blobFromDataUrl(c.toDataURL("image/jpeg", PHOTO_QUALITY)));
      } catch (e) { asIs(); }
    };
    img.onerror = function () { URLs.revokeObjectURL(url); asIs(); };
    img.src = url;
  });
}

/* One photo to the application: resolves with the server's answer (the checklist now). */
function sendPhoto(api, reference, phone, document, photo) {
  var form = new FormData();
  form.append("document", document);
  form.append("phone", phone);
  form.append("file", photo.blob, "photo.jpg");
  return request(api, "POST", "/applications/" + encodeURIComponent(reference) + "/documents",
                 form, { "Idempotency-Key": photo.key });
}

function newPhoto(blob) {
  return { blob: blob, key: newKey() };
}

/* The checklist as a list: each paper, what is there for it, and (when onPick is given and
 * the item can be photographed) a button that opens the camera. items: [{id, name, photo,
 * asked, photos: [{at}]}], as the API gives them. Returns {list, row(id)}: row(id) has li,
 * say(text, kind) for the line under the paper and thumb(blob) for a small preview. */
function photoChecklist(items, onPick) {
  var list = el("ul", { "class": "jy-docs" }), rows = {};
  items.forEach(function (item) {
    var li = el("li", { "class": "jy-doc" + (item.asked ? " jy-doc-asked" : ""), "data-doc": item.id });
    var name = el("p", { "class": "jy-doc-name" }, item.name);
    li.appendChild(name);
    if (item.asked) name.insertBefore(el("strong", { "class": "jy-doc-badge" }, "请补充 "), name.firstChild);
    var state = el("p", { "class": "jy-doc-state", role: "status" });
    var thumbs = el("span", { "class": "jy-thumbs" });
    var sent = (item.photos || []).length;
    if (sent) state.textContent = "已上传" + sent + "张（最近一次 " + item.photos[sent - 1].at.replace("T", " ").slice(5, 16) + "）";
    if (item.photo && onPick) {
      var id = "jy-photo-" + (++photoCount);
      var input = el("input", { type: "file", id: id, accept: "image/*", capture: "environment",
                                "class": "jy-file", "aria-describedby": id + "-s" });
      state.id = id + "-s";
      var label = el("label", { "for": id, "class": "md-button jy-photo-btn" }, sent ? "再拍一张" : "拍照");
      label.appendChild(el("span", { "class": "jy-visually-hidden" }, "：" + item.name));
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        input.value = "";                // the same photo can be picked again after a failure
        if (file) onPick(item, file);
      });
      li.appendChild(input);
      li.appendChild(label);
    } else if (!item.photo) {
      li.className += " jy-doc-plain";
    }
    li.appendChild(thumbs);
    li.appendChild(state);
    rows[item.id] = {
      li: li,
      say: function (text, kind) { state.textContent = text; state.className = "jy-doc-state" + (kind ? " jy-" + kind : ""); },
      thumb: function (blob) {
        var URLs = window.URL || window.webkitURL;
        if (URLs && URLs.createObjectURL) thumbs.appendChild(el("img", { src: URLs.createObjectURL(blob), alt: "刚拍的" + item.name, width: "56", height: "56" }));
      }
    };
    list.appendChild(li);
  });
  return { list: list, row: function (id) { return rows[id]; } };
}
