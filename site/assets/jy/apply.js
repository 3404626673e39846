/* 就业通 apply: a short form, a summary to check, then send with one Idempotency-Key per form.
 * The form is kept in sessionStorage (this tab only) until it is sent, so a lost connection or
 * a reload loses nothing; a retry reuses the same key, so a double tap never applies twice.
 * Sent without a network, the application waits in JY.outbox (localStorage, common.js) and
 * goes out by itself when the network is back, with the same key.
 * The summary is a step of its own (JY.steps): the phone's back button there goes back to
 * the form, and a reload keeps the summary on screen.
 * After success only the reference and the program title stay on the phone (for /status/).
 * Photos of the papers to bring can be taken on the form: they stay in this page only (never
 * in storage) and go up right after the application is made, each with its own key. */
(function () {
  "use strict";
  var root = document.getElementById("jy-apply");
  if (!root) return;
  var el = JY.el, button = JY.button;
  var API = root.getAttribute("data-api") || "/api";
  var session = JY.store("session"), local = JY.store("local");
  var DRAFT = "jy.apply.draft", CHECK = "jy.check.v1";
  var params = new URLSearchParams(location.search);
  // The server's own tables, written into common.js by the build step (service/pages.py).
  var DISTRICTS = JY.data.districts;    // [[id, name], ...], as the API checks them
  var program = null;
  var draft = null;
  var sending = false;
  var pending = {}, pendingPhone = "";   // checklist item id -> photos taken before sending
  var screen = "";                       // "form", "summary", or "" for any other screen

  function clear() { screen = ""; JY.clear(root); }
  var newKey = JY.newKey, remember = JY.remember, outbox = JY.outbox;
  function save() { session.set(DRAFT, draft); }
  // A new screen starts at its top, even when the last one was scrolled down to its button
  function focusHeading(h) { window.scrollTo(0, 0); h.setAttribute("tabindex", "-1"); h.focus(); }

  /* The same checks the server makes (service/identity.py), for a message while typing: the
   * same words for the same input (tests/identity_cases.py holds both to one table). */
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var PROVINCES = {}, MIN_AGE = JY.data.id.min_age;
  JY.data.id.provinces.forEach(function (p) { PROVINCES[p] = true; });
  var SPACES = /[\s\-\uff0d\u2014_]+/g;
  var NAME = /^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z\u00b7\u2022. ]{0,28}[\u3400-\u9fffA-Za-z]$/;
  var BORN = "身份证号里的出生日期（第7到14位）不对，请再核对一下。";
  function blank(v) { return !/\S/.test(v || ""); }
  /* Full-width digits and letters (a Chinese keyboard types them) as the server reads them (NFKC). */
  function fold(v) {
    if (v.normalize) return v.normalize("NFKC");
    return v.replace(/[\uff01-\uff5e]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/\u3000/g, " ");
  }
  function idProblem(v) {
    if (blank(v)) return "请填写身份证号。";
    v = fold(v).replace(SPACES, "").toUpperCase();
    if (v.length !== 18) return "身份证号应该是18位，你填了" + v.length + "位。请对着身份证再核对一下。";
    if (!/^\d{17}[\dX]$/.test(v)) return "身份证号前17位都是数字，最后一位是数字或字母X。";
    if (!PROVINCES[v.substr(0, 2)]) return "身份证号开头两位不对，请对着身份证再核对一下。";
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var born = new Date(Date.UTC(y, m - 1, d));   // a year below 100 reads as 19xx: refused, as by the server (too old)
    if (born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) return BORN;
    var now = new Date(Date.now() + 8 * 3600 * 1000);   // today in Beijing, as the server counts
    var ty = now.getUTCFullYear(), tm = now.getUTCMonth() + 1, td = now.getUTCDate();
    var before = tm < m || (tm === m && td < d);        // this year's birthday still to come
    var age = ty - y - (before ? 1 : 0);
    if (y > ty || (y === ty && before) || age > 120) return BORN;
    if (age < MIN_AGE) return "按身份证号，申请人还不满" + MIN_AGE + "岁。请用本人的身份证号申请。";
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+v.charAt(i)) * W[i];
    if ("10X98765432".charAt(sum % 11) !== v.charAt(17)) return "身份证号有一位不对（最后一位对不上），请对着身份证逐位核对。";
    return "";
  }
  function phoneProblem(v) {
    if (blank(v)) return "请填写手机号，查进度要用。";
    v = fold(v).replace(SPACES, "");
    if (v.indexOf("+86") === 0) v = v.slice(3); else if (v.indexOf("0086") === 0) v = v.slice(4);
    if (!/^\d+$/.test(v)) return "手机号只填数字，一共11位。";
    if (v.length !== 11) return "手机号应该是11位，你填了" + v.length + "位。";
    if (!/^1[3-9]/.test(v)) return "手机号应该以13到19开头。请填手机号，不要填座机。";
    return "";
  }
  function nameProblem(v) {
    if (blank(v)) return "请填写姓名。";
    v = fold(v).replace(/\s+/g, " ").trim();
    if (v.length > 30) return "姓名太长了，请只填身份证上的姓名。";
    if (!NAME.test(v)) return "请填身份证上的姓名：汉字或字母，至少两个字，不要有数字或符号。";
    return "";
  }
  JY.checks = { id: idProblem, phone: phoneProblem, name: nameProblem };   // for the tests

  function districtLabel(v) {
    for (var i = 0; i < DISTRICTS.length; i++) if (DISTRICTS[i][0] === v) return DISTRICTS[i][1];
    return "";
  }

  function start() {
    var slug = params.get("program");
    draft = session.get(DRAFT);
    if (draft && slug && draft.program !== slug) draft = null;
    if (!slug && draft) slug = draft.program;
    if (!slug) { choose(); return; }
    JY.request(API, "GET", "/programs/" + encodeURIComponent(slug)).then(function (p) {
      program = p;
      if (!p.applies_online) { notOnline(); return; }
      var waiting = outbox.find(slug);
      if (waiting) { queued(waiting); return; }
      if (!draft) {
        var check = local.get(CHECK) || {};
        draft = { program: slug, name: "", id_number: "", phone: "", district: "", note: "",
                  consent: false, key: newKey(), answers: check.answers || {},
                  campaign: JY.campaign() || check.campaign || "" };
        save();
      }
      if (draft.sent || draft.step === "summary") confirm(); else form();
    }).catch(function (err) {
      if (err.status === 404) { choose(); return; }
      offline(start, "网络不太好，暂时打不开。请稍后再试。");
    });
  }

  function choose() {
    JY.request(API, "GET", "/programs").then(function (data) {
      clear();
      var h = el("h2", null, "你要申请哪一项？");
      root.appendChild(h);
      root.appendChild(el("p", { "class": "jy-help" }, "不知道选哪项，可以先测一测。"));
      var list = el("div", { "class": "jy-choices" });
      data.programs.forEach(function (p) {
        if (!p.applies_online) return;
        list.appendChild(el("a", { "class": "md-button", href: "?program=" + encodeURIComponent(p.slug) }, p.title));
      });
      root.appendChild(list);
      var p = el("p");
      p.appendChild(el("a", { href: "/check/" }, "先测一测我能办哪些"));
      root.appendChild(p);
    }).catch(function () { offline(choose, "网络不太好，暂时打不开。请稍后再试。"); });
  }

  function notOnline() {
    clear();
    var box = el("div", { "class": "jy-card" });
    box.appendChild(el("h2", null, program.title));
    box.appendChild(el("p", null, "这一项不能在网上申请，要到窗口办理。办事指南里写了要带什么、去哪里。"));
    box.appendChild(el("a", { "class": "md-button md-button--primary", href: program.url }, "看办事指南"));
    root.appendChild(box);
  }

  function offline(retry, text) {
    clear();
    var box = el("div", { "class": "jy-card jy-error", role: "alert" });
    box.appendChild(el("p", null, text));
    box.appendChild(button("再试一次", "md-button--primary", retry));
    root.appendChild(box);
  }

  function form(serverErrors, serverMessage) {
    clear();
    screen = "form";
    if (draft.step) { draft.step = ""; save(); }
    var card = el("form", { "class": "jy-card", novalidate: "novalidate" });
    var h = el("h2", null, "申请：" + program.title);
    card.appendChild(h);
    if (serverMessage) card.appendChild(el("p", { "class": "jy-field-error", role: "alert" }, serverMessage));
    card.appendChild(el("p", { "class": "jy-help" }, "填下面几项，大约2分钟。带 * 的必须填。"));

    var name = JY.field("jy-name", "姓名 *", { autocomplete: "name", maxlength: "30" }, "和身份证上一样");
    var idn = JY.field("jy-id", "身份证号 *", { autocomplete: "off", maxlength: "22", autocapitalize: "characters", spellcheck: "false" }, "18位，最后一位可能是字母X");
    var phone = JY.field("jy-phone", "手机号 *", { type: "tel", inputmode: "numeric", autocomplete: "tel", maxlength: "16" }, "查进度要用，工作人员也会打这个电话");
    name.input.value = draft.name; idn.input.value = draft.id_number; phone.input.value = draft.phone;
    [name, idn, phone].forEach(function (f) { card.appendChild(f.wrap); });

    var dist = el("fieldset", { "class": "jy-field" });
    dist.appendChild(el("legend", null, "你在哪个区（市）办？ *"));
    var distErr = el("p", { "class": "jy-field-error", id: "jy-district-err", role: "alert" });
    var grid = el("div", { "class": "jy-districts" });
    DISTRICTS.forEach(function (d) {
      var id = "jy-d-" + d[0];
      var row = el("label", { "class": "jy-check-row", "for": id });
      var r = el("input", { type: "radio", name: "district", id: id, value: d[0] });
      r.checked = draft.district === d[0];
      row.appendChild(r); row.appendChild(el("span", null, d[1]));
      grid.appendChild(row);
    });
    dist.appendChild(grid); dist.appendChild(distErr);
    card.appendChild(dist);

    var note = JY.field("jy-note", "备注（可以不填）", { tag: "textarea", maxlength: "200", rows: "3" }, "想告诉工作人员的话，最多200字");
    note.input.value = draft.note;
    card.appendChild(note.wrap);

    /* Texts on each status change, only when asked for (service/sms.py). */
    var srow = el("label", { "class": "jy-check-row", "for": "jy-sms" });
    var sbox = el("input", { type: "checkbox", id: "jy-sms" });
    sbox.checked = !!draft.notify_sms;
    srow.appendChild(sbox); srow.appendChild(el("span", null, "办理进度有变化时，给我发短信（免费）"));
    card.appendChild(srow);
    if ((program.checklist || []).length) card.appendChild(papers());

    var consentBox = el("div", { "class": "jy-consent" });
    consentBox.appendChild(el("h3", null, "个人信息说明"));
    var ul = el("ul");
    ["收集：姓名、身份证号、手机号、所在区（市），和这项政策有关的自查回答；你拍了发过来的材料照片。",
     "用途：只用来办这份申请、核对身份、联系你。",
     "谁能看：你所在区（市）办这项政策的工作人员。",
     "保存：加密保存。办完后再保存" + JY.data.retention + "，然后删除。"].forEach(function (t) { ul.appendChild(el("li", null, t)); });
    consentBox.appendChild(ul);
    var more = el("p"); more.appendChild(el("a", { href: "/privacy/", target: "_blank" }, "看完整的个人信息保护说明"));
    consentBox.appendChild(more);
    var crow = el("label", { "class": "jy-check-row", "for": "jy-consent" });
    var cbox = el("input", { type: "checkbox", id: "jy-consent", "aria-describedby": "jy-consent-err" });
    cbox.checked = !!draft.consent;
    crow.appendChild(cbox); crow.appendChild(el("span", null, "我已看过，同意以上说明"));
    consentBox.appendChild(crow);
    var consentErr = el("p", { "class": "jy-field-error", id: "jy-consent-err", role: "alert" });
    consentBox.appendChild(consentErr);
    card.appendChild(consentBox);

    function read() {
      draft.name = name.input.value.trim();
      draft.id_number = idn.input.value.replace(/\s/g, "").toUpperCase();
      draft.phone = phone.input.value.replace(/\s/g, "");
      var picked = card.querySelector("input[name=district]:checked");
      draft.district = picked ? picked.value : "";
      draft.note = note.input.value.trim();
      draft.consent = cbox.checked;
      draft.notify_sms = sbox.checked;
      save();
    }
    function validate() {
      read();
      var problems = [
        [name, nameProblem(draft.name)], [idn, idProblem(draft.id_number)], [phone, phoneProblem(draft.phone)]];
      var first = null;
      problems.forEach(function (p) { p[0].error(p[1]); if (p[1] && !first) first = p[0].input; });
      distErr.textContent = draft.district ? "" : "请选你所在的区（市）。";
      if (!draft.district && !first) first = grid.querySelector("input");
      consentErr.textContent = draft.consent ? "" : "请先看个人信息说明，勾选“同意”后才能提交。";
      if (!draft.consent && !first) first = cbox;
      if (first) first.focus();
      return !first;
    }
    /* A problem is shown when the person leaves a field, and cleared as they type the fix:
     * never on the tap that leaves the field, which would move what they are tapping. */
    [[name, nameProblem], [idn, idProblem], [phone, phoneProblem]].forEach(function (pair) {
      var f = pair[0], problem = pair[1];
      f.input.addEventListener("blur", function () {
        read();
        if (f.input.value) f.error(problem(f.input.value));
      });
      f.input.addEventListener("input", function () {
        if (f.input.getAttribute("aria-invalid") && !problem(f.input.value)) f.error("");
      });
    });

    var next = function (ev) {
      if (ev) ev.preventDefault();
      if (validate()) { steps.forward(); confirm(); }
    };
    card.addEventListener("submit", next);
    var nav = el("div", { "class": "jy-nav" });
    nav.appendChild(button("下一步：核对信息", "md-button--primary", next));
    card.appendChild(nav);
    root.appendChild(card);

    if (serverErrors) {
      var byField = { name: name, id_number: idn, phone: phone, note: note };
      serverErrors.forEach(function (e) {
        if (byField[e.field]) byField[e.field].error(e.message);
        else if (e.field === "district") distErr.textContent = e.message;
        else if (e.field === "consent") consentErr.textContent = e.message;
      });
    }
    focusHeading(h);
  }

  function photosTaken() {
    var n = 0;
    for (var id in pending) n += pending[id].length;
    return n;
  }

  /* The checklist on the form: a photo of each paper can be taken now (it goes up after
   * sending) or later from the status page. */
  function papers() {
    var box = el("div", { "class": "jy-papers" });
    box.appendChild(el("h3", null, "要带的材料"));
    box.appendChild(el("p", { "class": "jy-help" }, "可以现在拍照，提交后会马上传上去；也可以以后在“查进度”里补拍。不拍也能提交。"));
    var sheet = JY.photoChecklist(program.checklist, function (item, file) {
      var row = sheet.row(item.id);
      row.say("正在处理照片……");
      JY.shrinkPhoto(file).then(function (blob) {
        (pending[item.id] = pending[item.id] || []).push(JY.newPhoto(blob));
        row.thumb(blob);
        row.say("拍好了" + pending[item.id].length + "张，提交后上传。");
      }, function () { row.say("这张照片太大了，请用相机重新拍一张。", "field-error"); });
    });
    program.checklist.forEach(function (item) {
      var taken = pending[item.id] || [];
      if (!taken.length) return;
      taken.forEach(function (photo) { sheet.row(item.id).thumb(photo.blob); });
      sheet.row(item.id).say("拍好了" + taken.length + "张，提交后上传。");
    });
    box.appendChild(sheet.list);
    return box;
  }

  /* After the application is made: the photos taken on the form, one after another. One
   * that does not get through can be sent again as it is (the same key: kept once). */
  function sendPending(reference, into) {
    var todo = [];
    (program.checklist || []).forEach(function (item) {
      (pending[item.id] || []).forEach(function (photo, i) { todo.push({ item: item, photo: photo, n: i + 1 }); });
    });
    if (!todo.length) return;
    var card = el("div", { "class": "jy-card", id: "jy-photos-sent" });
    card.appendChild(el("h3", null, "材料照片"));
    var ul = el("ul", { "class": "jy-docs" });
    var lines = todo.map(function (t) {
      var li = el("li", { "class": "jy-doc" });
      li.appendChild(el("p", { "class": "jy-doc-name" }, t.item.name + (t.n > 1 ? "（第" + t.n + "张）" : "")));
      var state = el("p", { "class": "jy-doc-state", role: "status" }, "等待上传");
      li.appendChild(state);
      ul.appendChild(li);
      return { li: li, state: state };
    });
    card.appendChild(ul);
    var end = el("p", { "class": "jy-help" });
    card.appendChild(end);
    into.appendChild(card);
    function next(i) {
      if (i >= todo.length) {
        pending = {}; pendingPhone = "";
        end.textContent = "照片都传好了。工作人员能看到。原件办理时还要带上。";
        return;
      }
      lines[i].state.textContent = "正在上传……";
      lines[i].state.className = "jy-doc-state";
      JY.sendPhoto(API, reference, pendingPhone, todo[i].item.id, todo[i].photo).then(function () {
        lines[i].state.textContent = "上传好了";
        next(i + 1);
      }, function (err) {
        lines[i].state.textContent = err.data ? err.data.message : "网络不太好，照片没传上去。";
        lines[i].state.className = "jy-doc-state jy-field-error";
        if (err.data && err.status < 500 && err.status !== 429) { next(i + 1); return; }   // again would not help
        var retry = button("再传一次", "", function () { lines[i].li.removeChild(retry); next(i); });
        lines[i].li.appendChild(retry);
        end.textContent = "没传上去的，可以等网好一点再点“再传一次”，也可以以后在“查进度”里补拍。";
      });
    }
    next(0);
  }

  // The phone's back button and 返回修改 on the summary both go back to the form.
  var steps = JY.steps(function () { return screen === "summary"; }, backToForm);
  function backToForm() { draft.sent = false; save(); form(); }

  function confirm() {
    clear();
    screen = "summary";
    draft.step = "summary"; save();
    var card = el("div", { "class": "jy-card" });
    var h = el("h2", null, "请核对一下");
    card.appendChild(h);
    card.appendChild(el("p", { "class": "jy-help" }, "提交以后就不能在网上改了。不对的话点“返回修改”。"));
    var dl = el("dl", { "class": "jy-summary-list" });
    [["申请", program.title], ["姓名", draft.name], ["身份证号", draft.id_number],
     ["手机号", draft.phone], ["所在区（市）", districtLabel(draft.district)],
     ["备注", draft.note || "（没有）"],
     ["短信通知", draft.notify_sms ? "要，进度有变化时发短信" : "不要"]].concat((program.checklist || []).length ? [
     ["材料照片", photosTaken() ? "拍了" + photosTaken() + "张，提交后上传" : "没有拍（以后可以在“查进度”里补）"]] : []
    ).forEach(function (row) {
      dl.appendChild(el("dt", null, row[0])); dl.appendChild(el("dd", null, row[1]));
    });
    card.appendChild(dl);
    var status = el("p", { "class": "jy-sending", role: "status" });
    card.appendChild(status);
    var nav = el("div", { "class": "jy-nav" });
    var send = button("确认提交", "md-button--primary", function () { submit(send, status); });
    nav.appendChild(send);
    nav.appendChild(button("返回修改", "", steps.back));
    card.appendChild(nav);
    root.appendChild(card);
    focusHeading(h);
  }

  function submit(send, status) {
    if (sending) return;            // a double tap sends once
    sending = true;
    send.disabled = true;
    status.textContent = "正在提交，请稍等……";
    draft.sent = true; save();      // from here on, retries reuse draft.key
    pendingPhone = draft.phone;     // in this page only, for the photos after sending
    var body = { program: draft.program, name: draft.name, id_number: draft.id_number,
                 phone: draft.phone, district: draft.district, consent: draft.consent,
                 answers: draft.answers };
    if (draft.note) body.note = draft.note;
    if (draft.campaign) body.campaign = draft.campaign;
    if (draft.notify_sms) body.notify_sms = true;
    JY.request(API, "POST", "/applications", body, { "Idempotency-Key": draft.key }).then(function (r) {
      sending = false;
      done(r);
    }).catch(function (err) {
      sending = false;
      send.disabled = false;
      var d = err.data;
      if (!d) {                     // no answer at all: keep it on the phone, send it later
        outbox.add({ key: draft.key, body: body, title: program.title, at: new Date().getTime() });
        session.remove(DRAFT);
        queued(outbox.find(draft.program));
        return;
      }
      if (d.code === "invalid_application") { draft.sent = false; save(); form(d.errors); return; }
      if (d.code === "duplicate_application") { duplicate(d); return; }
      if (d.code === "idempotency_key_reused" || d.code === "invalid_idempotency_key") {
        draft.key = newKey(); save();
      }
      status.textContent = d.message;
    });
  }

  /* Waiting for the network: said plainly, and nothing more to do. */
  function queued(item) {
    clear();
    var box = el("div", { "class": "jy-card jy-queued" });
    var h = el("h2", null, "已保存在手机上");
    box.appendChild(h);
    box.appendChild(el("p", { "class": "jy-tip" }, "已保存在手机上，有网时会自动提交。"));
    box.appendChild(el("p", null, "申请：" + item.title));
    box.appendChild(el("p", null, "不用再填一遍。有网以后，这里会显示申请编号。"));
    if (photosTaken()) box.appendChild(el("p", null, "拍的照片只在这个页面上：先不要关掉它，有网提交后会马上传。关了也没关系，以后可以在“查进度”里补拍。"));
    var status = el("p", { "class": "jy-sending", role: "status" });
    box.appendChild(status);
    box.appendChild(button("现在有网了，马上提交", "md-button--primary", function () {
      status.textContent = "正在提交，请稍等……";
      outbox.flush();
      setTimeout(function () { if (outbox.find(item.body.program)) status.textContent = "还是连不上网。等信号好一点，会自动提交。"; }, 8000);
    }));
    root.appendChild(box);
    focusHeading(h);
  }

  /* An application from the outbox went through (or was refused) while this page is open. */
  outbox.listen(function (event, item, data) {
    if (!program || item.body.program !== program.slug) return false;
    pendingPhone = item.body.phone;
    if (event === "sent") { done(data); return true; }
    if (event === "duplicate") { duplicate(data); return true; }
    draft = { program: item.body.program, name: item.body.name, id_number: item.body.id_number,
              phone: item.body.phone, district: item.body.district, note: item.body.note || "",
              consent: item.body.consent, key: newKey(), answers: item.body.answers || {},
              campaign: item.body.campaign || "", notify_sms: !!item.body.notify_sms };
    save();
    form(data.errors, data.message);
    return true;
  });

  function duplicate(d) {
    session.remove(DRAFT);
    remember(d.reference, program.title);
    clear();
    var box = el("div", { "class": "jy-card" });
    var h = el("h2", null, "你已经申请过了");
    box.appendChild(h);
    box.appendChild(el("p", null, d.message));
    box.appendChild(el("a", { "class": "md-button md-button--primary", href: "/status/?ref=" + encodeURIComponent(d.reference) }, "查进度"));
    root.appendChild(box);
    sendPending(d.reference, root);   // the same person and phone: the photos belong to that one
    focusHeading(h);
  }

  function done(r) {
    session.remove(DRAFT);          // nothing personal stays on the phone
    remember(r.reference, r.program_title);
    clear();
    var box = el("div", { "class": "jy-card jy-done" });
    var h = el("h2", null, "申请已提交");
    box.appendChild(h);
    box.appendChild(el("p", null, "你的申请编号："));
    box.appendChild(el("p", { "class": "jy-reference", "aria-label": "申请编号 " + r.reference_display.split("").join(" ") }, r.reference_display));
    box.appendChild(el("p", { "class": "jy-tip" }, "请截图保存这个编号。查进度要用编号和你的手机号。"));
    box.appendChild(el("p", null, r.next_step));
    root.appendChild(box);

    var bring = el("div", { "class": "jy-card" });
    bring.appendChild(el("h3", null, "办理时要带"));
    var ul = el("ul");
    r.documents.forEach(function (d) { ul.appendChild(el("li", null, d)); });
    bring.appendChild(ul);
    bring.appendChild(el("h3", null, "去哪里办"));
    var ol = el("ul");
    r.offices.forEach(function (o) {
      var t = o.name + (o.where ? "：" + o.where : "") + (o.phone ? "，电话 " + o.phone : "") + (o.note ? "（" + o.note + "）" : "");
      ol.appendChild(el("li", null, t));
    });
    bring.appendChild(ol);
    root.appendChild(bring);
    sendPending(r.reference, root);
    var nav = el("p", { "class": "jy-actions" });
    nav.appendChild(el("a", { "class": "md-button md-button--primary", href: r.status_url }, "查进度"));
    nav.appendChild(el("a", { "class": "md-button", href: "/" }, "回首页"));
    root.appendChild(nav);
    focusHeading(h);
  }

  start();
})();
