/* 请工作人员联系我: on every guide ([data-jy-callback], with its program) and under the
 * self-check's results (JY.callback, with the programs found). One button; the short form
 * is built only when it is tapped. One Idempotency-Key per form, reused when a retry is
 * needed, so a double tap asks once. Nothing is kept on the phone.
 * The server's words: the times of day and how long the number is kept (DATA.callback), the
 * districts (DATA.districts); its messages for a bad field are shown as they come.
 * Needs: el, button, clear, each (dom.js), request, newKey (api.js), field (fields.js). */
function callbackForm(box, programs) {
  var key = newKey(), sending = false;
  clear(box);
  box.appendChild(el("p", { "class": "jy-help" }, "看不懂、不会填？留个电话，工作人员打给你。"));
  var open = button("请工作人员联系我", "", function () { box.removeChild(open); form(); });
  box.appendChild(open);

  function form() {
    var card = el("form", { "class": "jy-card", novalidate: "novalidate" });
    var h = el("h3", { id: "jy-cb-h", tabindex: "-1" }, "请工作人员联系我");
    card.appendChild(h);
    var which = null;
    if (programs.length > 1) {
      which = field("jy-cb-program", "想问哪一项", { tag: "select" });
      programs.forEach(function (p) { which.input.appendChild(el("option", { value: p[0] }, p[1])); });
      card.appendChild(which.wrap);
    } else {
      card.appendChild(el("p", null, "想问：" + programs[0][1]));
    }
    var name = field("jy-cb-name", "怎么称呼你", { autocomplete: "name", maxlength: "20" }, "比如：王女士");
    var phone = field("jy-cb-phone", "手机号", { type: "tel", inputmode: "numeric", autocomplete: "tel", maxlength: "16" });
    var district = field("jy-cb-district", "你在哪个区（市）", { tag: "select" });
    district.input.appendChild(el("option", { value: "" }, "请选择"));
    DATA.districts.forEach(function (d) { district.input.appendChild(el("option", { value: d[0] }, d[1])); });
    [name, phone, district].forEach(function (f) { card.appendChild(f.wrap); });

    var when = el("fieldset", { "class": "jy-field" });
    when.appendChild(el("legend", null, "什么时候打给你方便"));
    DATA.callback.when.forEach(function (w, i) {
      var row = el("label", { "class": "jy-check-row", "for": "jy-cb-when-" + i });
      var r = el("input", { type: "radio", name: "jy-cb-when", id: "jy-cb-when-" + i, value: w });
      r.checked = i === DATA.callback.when.length - 1;
      row.appendChild(r); row.appendChild(el("span", null, w));
      when.appendChild(row);
    });
    var whenErr = el("p", { "class": "jy-field-error", role: "alert" });
    when.appendChild(whenErr);
    card.appendChild(when);

    var consent = el("div", { "class": "jy-consent" });
    var crow = el("label", { "class": "jy-check-row", "for": "jy-cb-consent" });
    var cbox = el("input", { type: "checkbox", id: "jy-cb-consent", "aria-describedby": "jy-cb-consent-err" });
    crow.appendChild(cbox);
    crow.appendChild(el("span", null, "我同意：工作人员用这个手机号给我打电话，只用来回答我问的事。号码加密保存，" +
      DATA.callback.days + "天后删除。"));
    consent.appendChild(crow);
    var consentErr = el("p", { "class": "jy-field-error", id: "jy-cb-consent-err", role: "alert" });
    consent.appendChild(consentErr);
    card.appendChild(consent);

    var status = el("p", { "class": "jy-sending", role: "status" });
    var send = button("提交，等电话", "md-button--primary", submit);
    card.addEventListener("submit", submit);
    card.appendChild(send);
    card.appendChild(status);
    box.appendChild(card);
    h.focus();

    function submit(ev) {
      if (ev) ev.preventDefault();
      if (sending) return;
      var picked = card.querySelector("input[name=jy-cb-when]:checked");
      var body = { program: which ? which.input.value : programs[0][0], name: name.input.value,
                   phone: phone.input.value, district: district.input.value,
                   when: picked ? picked.value : "", consent: cbox.checked };
      [name, phone, district].forEach(function (f) { f.error(""); });
      whenErr.textContent = consentErr.textContent = "";
      sending = true;
      send.disabled = true;
      status.textContent = "正在提交，请稍等……";
      request("/api", "POST", "/callbacks", body, { "Idempotency-Key": key }).then(function (r) {
        sending = false;
        done(r);
      }, function (err) {
        sending = false;
        send.disabled = false;
        var d = err.data;
        if (!d) { status.textContent = "网络不太好，没有发出去。请等信号好一点，再点一次“提交，等电话”。"; return; }
        if (d.code === "idempotency_key_reused" || d.code === "invalid_idempotency_key") key = newKey();
        var byField = { name: name, phone: phone, district: district, program: which }, shown = 0;
        (d.errors || []).forEach(function (e) {
          shown++;
          if (byField[e.field]) byField[e.field].error(e.message);
          else if (e.field === "when") whenErr.textContent = e.message;
          else if (e.field === "consent") consentErr.textContent = e.message;
          else shown--;
        });
        // each problem is said once, next to its field
        status.textContent = shown ? (shown > 1 ? "有几项要改一下，请看红字。" : "有一项要改一下，请看红字。") : (d.message || "");
      });
    }
  }

  function done(r) {
    clear(box);
    var card = el("div", { "class": "jy-card jy-done", role: "status" });
    var h = el("h3", { tabindex: "-1" }, "请等工作人员的电话");
    card.appendChild(h);
    card.appendChild(el("p", null, r.message));
    box.appendChild(card);
    h.focus();
  }
}

function wireCallbacks() {
  each("[data-jy-callback]", function (box) {
    callbackForm(box, [[box.getAttribute("data-program"), box.getAttribute("data-title")]]);
  });
}
