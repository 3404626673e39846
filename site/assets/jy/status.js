/* 就业通 status: reference + phone -> where the application stands, in plain words, and the
 * checklist of what to bring, where a photo of each paper can be added (the one staff asked
 * for first). The phone number is never stored on the phone (only kept in this page while it
 * is open, to send photos); the reference is prefilled from ?ref= or from the last
 * application made on this phone. The status shown is a step of its own (JY.steps): the
 * phone's back button there goes back to the form, as it was filled, not off the page. */
(function () {
  "use strict";
  var root = document.getElementById("jy-status");
  if (!root) return;
  var el = JY.el, button = JY.button;
  var API = root.getAttribute("data-api") || "/api";
  var params = new URLSearchParams(location.search);
  var done = JY.store("local").get("jy.apply.done") || [];
  var COLORS = { approved: "jy-eligible", rejected: "jy-ineligible", need_info: "jy-maybe" };
  var CLOSED = { approved: true, rejected: true, withdrawn: true };

  function clear() { JY.clear(root); }

  var typed = null;   // {ref, phone} while a status is shown: what the form gets back
  var steps = JY.steps(function () { return typed !== null; }, function () {
    var values = typed;
    typed = null;
    ask("", values);
  });

  function ask(message, values) {
    clear();
    values = values || {};
    var card = el("form", { "class": "jy-card", novalidate: "novalidate" });
    var ref = JY.field("jy-ref", "申请编号", { autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: "16" }, "9位字母和数字，比如 K7M-2X9-QPA");
    var phone = JY.field("jy-phone", "申请时填的手机号", { type: "tel", inputmode: "numeric", autocomplete: "tel", maxlength: "16" });
    ref.input.value = values.ref || params.get("ref") || (done[0] ? done[0].reference : "");
    phone.input.value = values.phone || "";
    card.appendChild(ref.wrap);
    card.appendChild(phone.wrap);
    var msg = el("p", { "class": "jy-field-error", role: "alert" }, message || "");
    card.appendChild(msg);
    var go = function (ev) {
      if (ev) ev.preventDefault();
      var r = ref.input.value.replace(/[\s\-]/g, "").toUpperCase();
      var p = phone.input.value.replace(/[\s\-]/g, "");
      ref.error(r ? "" : "请填申请编号。");
      phone.error(p ? "" : "请填手机号。");
      if (!r) { ref.input.focus(); return; }
      if (!p) { phone.input.focus(); return; }
      look(r, p, card, msg);
    };
    card.addEventListener("submit", go);
    var nav = el("div", { "class": "jy-nav" });
    nav.appendChild(button("查询", "md-button--primary", go));
    card.appendChild(nav);
    root.appendChild(card);
    if (message) msg.focus();
  }

  function look(ref, phone, card, msg) {
    msg.textContent = "正在查询……";
    JY.request(API, "GET", "/applications/" + encodeURIComponent(ref) + "?phone=" + encodeURIComponent(phone))
      .then(function (s) {
        if (typed === null) steps.forward();
        typed = { ref: ref, phone: phone };
        show(s, phone);
      })
      .catch(function (err) {
        if (!err.data) { msg.textContent = "网络不太好，暂时查不了。请稍后再点“查询”。"; return; }
        ask(err.data.message, { ref: ref, phone: phone });
      });
  }

  function show(s, phone, said) {
    clear();
    var card = el("div", { "class": "jy-card jy-result " + (COLORS[s.status] || "") });
    card.appendChild(el("p", { "class": "jy-help" }, s.program_title + " · 编号 " + s.reference_display));
    var h = el("h2", { tabindex: "-1" }, s.status_text);
    card.appendChild(h);
    if (s.message) {
      var m = el("div", { "class": "jy-message" });
      m.appendChild(el("h3", null, "工作人员留言"));
      m.appendChild(el("p", null, s.message));
      card.appendChild(m);
    }
    card.appendChild(el("h3", null, "下一步"));
    card.appendChild(el("p", null, s.next_step));
    if (s.notify_sms) card.appendChild(el("p", { "class": "jy-help" }, "进度有变化时，会给你发短信。"));
    root.appendChild(card);
    if (s.ask_received) root.appendChild(arrived(s, phone, said));

    var papers = documents(s, phone);
    if (papers) root.appendChild(papers);

    var hist = el("div", { "class": "jy-card" });
    hist.appendChild(el("h3", null, "办理记录"));
    var ul = el("ul", { "class": "jy-history" });
    s.history.slice().reverse().forEach(function (e) {
      ul.appendChild(el("li", null, e.at.replace("T", " ").slice(0, 16) + "  " + e.status_text + (e.message ? "：" + e.message : "")));
    });
    hist.appendChild(ul);
    if (!papers && s.documents && s.documents.length) {
      hist.appendChild(el("h3", null, "办理时要带"));
      var dl = el("ul");
      s.documents.forEach(function (d) { dl.appendChild(el("li", null, d)); });
      hist.appendChild(dl);
    }
    root.appendChild(hist);
    root.appendChild(button("查另一份", "", function () { typed = {}; steps.back(); }));
    var q = document.getElementById("jy-arrived-q");
    if (said != null && q) { q.setAttribute("tabindex", "-1"); q.focus(); } else h.focus();
  }

  /* 到账了吗: after approval, two big buttons; the answer goes to the server with the
   * same phone, and can be given again (还没到 today, 到了 next week). */
  function arrived(s, phone, said) {
    var box = el("div", { "class": "jy-card jy-arrived" });
    box.appendChild(el("h3", { id: "jy-arrived-q" }, s.received === true ? "谢谢你告诉我们：已经到了" : "钱或服务到了吗？"));
    if (s.received === false) {
      box.appendChild(el("p", null, "你说还没到。一般通过后30天内到账。过了30天还没到，请再来点一次“还没到”，工作人员会打电话问你。"));
    } else if (s.received !== true) {
      box.appendChild(el("p", { "class": "jy-help" }, "告诉我们一声，帮我们把事办好。"));
    }
    var msg = el("p", { "class": "jy-sending", role: "status" }, said || "");
    if (s.received !== true) {
      var nav = el("div", { "class": "jy-choices", role: "group", "aria-labelledby": "jy-arrived-q" });
      var sending = false;
      [["到了", true], ["还没到", false]].forEach(function (b) {
        nav.appendChild(button(b[0], b[1] ? "md-button--primary" : "", function () {
          if (sending) return;
          sending = true;
          msg.textContent = "正在提交……";
          JY.request(API, "POST", "/applications/" + encodeURIComponent(s.reference) + "/received",
                     { phone: phone, received: b[1] })
            .then(function (again) { show(again, phone, b[1] ? "" : "收到了，谢谢。"); })
            .catch(function (err) {
              sending = false;
              msg.textContent = err.data ? err.data.message : "网络不太好，没有提交上。请稍后再点一次。";
            });
        }));
      });
      box.appendChild(nav);
    }
    box.appendChild(msg);
    return box;
  }

  /* What to bring, with a photo button for each paper while the application is open: a
   * photo goes up as soon as it is taken, and a failed one can be sent again as it is. */
  function documents(s, phone) {
    var items = s.checklist || [];
    if (!items.length) return null;
    var open = !CLOSED[s.status];
    var asked = items.filter(function (i) { return i.asked; });
    items = asked.concat(items.filter(function (i) { return !i.asked; }));
    var box = el("div", { "class": "jy-card", id: "jy-papers" });
    box.appendChild(el("h3", null, open ? "要带的材料（可以拍照发过来）" : "要带的材料"));
    if (asked.length && open) {
      box.appendChild(el("p", { "class": "jy-tip" }, "工作人员请你补充：" + asked[0].name + "。点下面的“拍照”，拍清楚整张纸。"));
    } else if (open) {
      box.appendChild(el("p", { "class": "jy-help" }, "拍清楚整张纸，工作人员能先看一看。原件办理时还要带上。"));
    }
    var sheet = JY.photoChecklist(items, open ? pick : null);
    box.appendChild(sheet.list);

    function pick(item, file) {
      var row = sheet.row(item.id);
      row.say("正在处理照片……");
      JY.shrinkPhoto(file).then(function (blob) {
        row.thumb(blob);
        send(item, row, JY.newPhoto(blob));
      }, function () { row.say("这张照片太大了，请用相机重新拍一张。", "field-error"); });
    }
    function send(item, row, photo) {
      row.say("正在上传……");
      JY.sendPhoto(API, s.reference, phone, item.id, photo).then(function (r) {
        s.checklist = r.checklist;
        var again = documents(s, phone);
        box.parentNode.replaceChild(again, box);
        var now = again.querySelector('.jy-doc[data-doc="' + item.id + '"] .jy-doc-state');
        if (now) now.textContent = "上传好了。" + now.textContent;
      }, function (err) {
        row.say(err.data ? err.data.message : "网络不太好，照片没传上去。", "field-error");
        if (err.data && err.status < 500 && err.status !== 429) return;   // sending it again would not help
        var retry = el("button", { type: "button", "class": "md-button" }, "再传一次");
        retry.addEventListener("click", function () { row.li.removeChild(retry); send(item, row, photo); });
        row.li.appendChild(retry);
      });
    }
    return box;
  }

  ask();
})();
