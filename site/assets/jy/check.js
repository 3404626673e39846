/* 就业通 self-check: one question per screen, answers kept on the phone only.
 * Plain ES5 with fetch, for old WeChat browsers. All text is set with textContent. */
(function () {
  "use strict";
  var root = document.getElementById("jy-check");
  if (!root) return;
  var API = root.getAttribute("data-api") || "/api";
  var KEY = "jy.check.v1";
  var params = new URLSearchParams(location.search);
  var state = load();
  if (params.get("program")) state.focus = params.get("program");
  if (JY.campaign()) state.campaign = JY.campaign();
  var questions = {};   // id -> question
  var last = null;      // last /api/check response
  var editing = null;   // question id being changed from the summary

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(KEY) || "{}");
      return { answers: s.answers || {}, skip: s.skip || [], history: s.history || [],
               campaign: s.campaign || null, focus: s.focus || null, part: s.part || null };
    } catch (e) { return { answers: {}, skip: [], history: [], campaign: null, focus: null, part: null }; }
  }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  var el = JY.el, button = JY.button;
  function clear() { JY.clear(root); }
  function request(method, path, body) { return JY.request(API, method, path, body); }

  function offline(err) {
    clear();
    var box = el("div", { "class": "jy-card jy-error", role: "alert" });
    var answered = answeredCount();
    // Say only what is true: kept answers only once there are some.
    box.appendChild(el("p", null, err && err.data ? err.data.message :
      "网络不太好，暂时连不上。" + (answered ? "你已经答的" + answered + "个问题存在手机上，不会丢。" :
      "有网了再点“再试一次”。")));
    box.appendChild(button("再试一次", "md-button--primary", step));
    var p = el("p");
    // the service worker keeps the guides already opened, the home page and the catalog
    var a = el("a", { href: "../guides/" }, "没网也能看：看过的政策和全部政策目录");
    p.appendChild(a);
    box.appendChild(p);
    root.appendChild(box);
  }

  // Between questions the page needs only the counts and the next question: it asks for a
  // brief answer (a tenth of the bytes on 3G), and for every result once they are shown.
  function check(brief) {
    var body = { answers: state.answers, skip: state.skip, brief: brief };
    if (state.campaign) body.campaign = state.campaign;
    if (state.focus) body.focus = state.focus;
    return request("POST", "/check", body);
  }

  function step() {
    check(true).then(function (data) {
      last = data;
      if (editing) { ask(questions[editing]); return; }
      if (data.next_question) ask(data.next_question); else results();
    }).catch(function (err) {
      if (err.data && err.data.code === "unknown_program") { state.focus = null; save(); step(); return; }
      if (err.data && err.data.code === "invalid_answers") { state.answers = {}; state.skip = []; save(); step(); return; }
      offline(err);
    });
  }

  function answeredCount() {
    var n = 0; for (var k in state.answers) n++;
    return n;
  }

  function progress() {
    var n = answeredCount();
    var c = last ? last.counts : null;
    var p = el("p", { "class": "jy-progress" });
    var total = c ? c.eligible + c.maybe + c.ineligible : 0;
    // one line on a 360px phone, whatever the counts
    if (!n || !c) p.textContent = total + " 项政策，答几个问题帮你找出来";
    else p.textContent = "已答 " + n + " 题：" + c.eligible + " 项符合，" + c.maybe + " 项待定";
    return p;
  }

  function answer(q, value) {
    if (value === undefined) {
      delete state.answers[q.id];
      if (state.skip.indexOf(q.id) < 0) state.skip.push(q.id);
    } else {
      state.answers[q.id] = value;
      state.skip = state.skip.filter(function (s) { return s !== q.id; });
    }
    if (state.history[state.history.length - 1] !== q.id) state.history.push(q.id);
    state.part = null;
    editing = null;
    save();
    steps.forward();   // the phone's back button: the previous question, not off the page
    step();
  }

  // A long list of boxes is asked a part at a time (the question's parts, from the server):
  // each part is a screen of its own, with its own question, so that every screen fits the
  // phone; the answer is sent once, with the boxes ticked in every part. state.part keeps
  // where the person is (a reload keeps the place, the back button goes to the part before).
  function partOf(q) {
    var parts = q.parts || [];
    if (!parts.length) return null;
    var p = state.part && state.part.id === q.id ? state.part : null;
    if (!p) p = state.part = { id: q.id, at: 0, picked: (state.answers[q.id] || []).slice() };
    if (p.at >= parts.length) p.at = 0;
    return { at: p.at, last: p.at === parts.length - 1, text: parts[p.at].text, help: parts[p.at].help,
             options: q.options.filter(function (o) { return parts[p.at].options.indexOf(o.value) >= 0; }) };
  }

  function ask(q) {
    clear();
    questions[q.id] = q;
    root.appendChild(progress());
    var part = q.type === "multi" ? partOf(q) : null;
    var card = el("form", { "class": "jy-card", novalidate: "novalidate" });
    if (part) card.setAttribute("data-part", (part.at + 1) + "/" + q.parts.length);
    var h = el("h2", { id: "jy-q", tabindex: "-1" }, part ? part.text : q.text);
    card.appendChild(h);
    var help = part ? part.help : q.help;
    if (help) card.appendChild(el("p", { "class": "jy-help" }, help));
    var options = part ? part.options : q.options;
    // Two answers side by side, and four or more buttons in two columns: the question, its answers
    // and the buttons stay in the first view of a 360x640 phone.
    var layout = q.type === "bool" ? " jy-pair" : (q.type === "enum" && options.length > 3 ? " jy-grid" : "");
    var choices = el("div", { "class": "jy-choices" + layout, role: "group", "aria-labelledby": "jy-q" });
    var current = state.answers[q.id];
    var after = null;   // the buttons under a list of boxes, or the number's row
    if (q.type === "bool") {
      choices.appendChild(button("是", current === true ? "md-button--primary" : "", function () { answer(q, true); }));
      choices.appendChild(button("不是", current === false ? "md-button--primary" : "", function () { answer(q, false); }));
    } else if (q.type === "enum") {
      options.forEach(function (o) {
        choices.appendChild(button(o.label, current === o.value ? "md-button--primary" : "", function () { answer(q, o.value); }));
      });
    } else if (q.type === "multi") {
      var picked = part ? state.part.picked : (current || []).slice();
      options.forEach(function (o) {
        var id = "jy-o-" + o.value;
        var row = el("label", { "class": "jy-check-row", "for": id });
        var box = el("input", { type: "checkbox", id: id, value: o.value });
        box.checked = picked.indexOf(o.value) >= 0;
        row.appendChild(box);
        row.appendChild(el("span", null, o.label));
        choices.appendChild(row);
      });
      // what is ticked on this screen, with what was ticked in the other parts
      var ticked = function (none) {
        var mine = options.map(function (o) { return o.value; });
        var vals = picked.filter(function (v) { return mine.indexOf(v) < 0; });
        var boxes = choices.querySelectorAll("input[type=checkbox]");
        for (var i = 0; i < boxes.length; i++) if (boxes[i].checked && !none) vals.push(boxes[i].value);
        return q.options.map(function (o) { return o.value; }).filter(function (v) { return vals.indexOf(v) >= 0; });
      };
      var done = function (none) {
        var vals = ticked(none);
        if (part && !part.last) { nextPart(q, vals); return; }
        answer(q, vals);
      };
      after = el("div", { "class": "jy-pair" });
      after.appendChild(button("选好了", "md-button--primary", function () { done(false); }));
      after.appendChild(button("都不是", "", function () { done(true); }));
    } else {
      var input = el("input", { type: "number", inputmode: "numeric", id: "jy-num",
        min: String(q.min), max: String(q.max), "class": "jy-input", "aria-describedby": "jy-num-err" });
      if (current != null) input.value = current;
      var label = el("label", { "for": "jy-num", "class": "jy-visually-hidden" }, q.text);
      // the error shows under the number and its button, so it never moves the button
      var err = el("p", { id: "jy-num-err", "class": "jy-field-error", role: "alert" });
      var submit = function (ev) {
        if (ev) ev.preventDefault();
        var v = parseInt(input.value, 10);
        if (isNaN(v) || String(v) !== input.value.trim() || v < q.min || v > q.max) {
          err.textContent = "请填 " + q.min + " 到 " + q.max + " 之间的整数。";
          input.focus();
          return;
        }
        answer(q, v);
      };
      card.addEventListener("submit", submit);
      choices.className = "jy-choices jy-number";
      choices.appendChild(label);
      choices.appendChild(input);
      choices.appendChild(button("确定", "md-button--primary", submit));
      after = err;
    }
    card.appendChild(choices);
    // the buttons that move on, in one footer: in 大字 mode it stays at the bottom of the
    // screen (jy.css), so 选好了 and 上一题 are in reach however long the list has grown
    var foot = el("div", { "class": "jy-foot" });
    if (after) (q.type === "multi" ? foot : card).appendChild(after);
    // one row: back, 不知道 (the question is skipped, and not asked again), the results
    var nav = el("div", { "class": "jy-nav" });
    if (canGoBack()) nav.appendChild(button("← 上一题", "jy-link", steps.back));
    nav.appendChild(button("不知道", "jy-link", function () { answer(q, undefined); }));
    nav.appendChild(button("直接看结果", "jy-link", results));
    foot.appendChild(nav);
    card.appendChild(foot);
    root.appendChild(card);
    h.focus();
  }

  function nextPart(q, picked) {
    state.part = { id: q.id, at: state.part.at + 1, picked: picked };
    save();
    steps.forward();
    ask(q);
  }

  // One browser history entry per answer (JY.steps): ← 上一题 and the phone's back button
  // both go to the question before, and a reload keeps the place (state.history is stored).
  var steps = JY.steps(canGoBack, back);
  function canGoBack() { return state.history.length > 0 || !!(state.part && state.part.at > 0); }

  function back() {
    if (state.part && state.part.at > 0 && questions[state.part.id]) {   // the part before
      state.part.at--;
      save();
      ask(questions[state.part.id]);
      return;
    }
    state.part = null;
    var prev = state.history.pop();
    var q = prev && questions[prev];
    // a question asked in parts is gone back to at its last part, the screen before
    if (q && q.parts && q.parts.length) state.part = { id: q.id, at: q.parts.length - 1, picked: (state.answers[q.id] || []).slice() };
    save();
    if (!prev) { step(); return; }
    editing = prev;
    if (q) ask(q); else step();
  }

  // One reason per condition: what it tested, the clause it encodes, and the step to take
  // where one is open ("先办失业登记", linking the guide that explains it).
  function reasonList(r) {
    var ul = el("ul", { "class": "jy-reasons" });
    r.reasons.forEach(function (x) {
      var mark = x.met === true ? "✔ " : (x.met === false ? "✘ " : "？ ");
      var li = el("li", { "class": x.met === true ? "ok" : (x.met === false ? "no" : "unknown") }, mark + x.text);
      if (x.step && x.step.url) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("a", { href: x.step.url }, "怎么办"));
      }
      if (x.basis) li.appendChild(el("small", { "class": "jy-basis" }, "依据：" + x.basis));
      ul.appendChild(li);
    });
    return ul;
  }

  // What the person gets, in one line: the sourced amount, or that it is not known yet.
  // Under 不符合 it is what the program gives to those it is for.
  function gets(r) {
    var p = el("p", { "class": "jy-gets" });
    p.appendChild(el("strong", null, r.status === "ineligible" ? "这项政策给的是：" : "能得到："));
    p.appendChild(document.createTextNode(r.gets ? r.gets.text : "还没核实到，请打12333问"));
    if (r.gets && r.gets.note) p.appendChild(el("small", null, "（" + r.gets.note + "）"));
    return p;
  }

  function item(r) {
    var li = el("li", { "class": "jy-result jy-" + r.status });
    var a = el("a", { href: r.url }, r.title);
    var h = el("h3"); h.appendChild(a); li.appendChild(h);
    li.appendChild(gets(r));
    li.appendChild(reasonList(r));
    (r.notes || []).forEach(function (n) { li.appendChild(el("p", { "class": "jy-note" }, "另外：" + n)); });
    if (r.applies_online && r.status !== "ineligible") {
      var go = "/apply/?program=" + encodeURIComponent(r.slug) +
        (state.campaign ? "&c=" + encodeURIComponent(state.campaign) : "");
      var p = el("p", { "class": "jy-actions" });
      p.appendChild(el("a", { href: go, "class": "md-button md-button--primary" }, "在线申请"));
      p.appendChild(el("a", { href: r.url, "class": "md-button" }, "看办事指南"));
      li.appendChild(p);
    }
    return li;
  }

  // 可能符合 splits in two: one step away (everything answered, only a step to take, such as
  // 先办失业登记) and still open (answers missing, or a program whose source has ended).
  var ZH = JY.data.outcomes;   // the words the guides' worked examples use (engine.STATUS_ZH)
  var GROUPS = [["eligible", ZH.eligible], ["step", "还差一步就能办"], ["maybe", ZH.maybe],
                ["ineligible", ZH.ineligible]];

  function group(r) {
    if (r.status !== "maybe") return r.status;
    var open = r.reasons.filter(function (x) { return x.met === null; });
    return open.length && open.every(function (x) { return x.step; }) ? "step" : "maybe";
  }

  function results() {
    if (!last) { step(); return; }
    if (last.brief) {
      check(false).then(function (data) { last = data; results(); }).catch(offline);
      return;
    }
    clear();
    var c = last.counts;
    root.appendChild(el("h2", { id: "jy-results", tabindex: "-1" },
      "已找到 " + (c.eligible + c.maybe) + " 项可能适合你"));
    if (last.next_question) {
      var more = el("p", { "class": "jy-help" }, "还有问题没回答，答完结果会更准。");
      more.appendChild(button("继续回答", "md-button--primary", function () { ask(last.next_question); }));
      root.appendChild(more);
    }
    // The program whose guide the person came from comes first, whatever its status.
    var focus = last.focus ? last.results.filter(function (r) { return r.slug === last.focus; })[0] : null;
    if (focus) {
      root.appendChild(el("h3", { "class": "jy-group-title" }, "你刚才看的这一项：" + GROUPS.filter(function (g) { return g[0] === group(focus); })[0][1]));
      var fl = el("ul", { "class": "jy-results" });
      fl.appendChild(item(focus));
      root.appendChild(fl);
    }
    GROUPS.forEach(function (g) {
      var list = last.results.filter(function (r) { return group(r) === g[0] && r !== focus; });
      if (!list.length) return;
      var title = g[1] + "（" + list.length + " 项）";
      var ul = el("ul", { "class": "jy-results" });
      list.forEach(function (r) { ul.appendChild(item(r)); });
      if (g[0] === "ineligible") {
        var d = el("details", { "class": "jy-group" });
        d.appendChild(el("summary", null, title + "，点开看原因"));
        d.appendChild(ul);
        root.appendChild(d);
      } else {
        root.appendChild(el("h3", { "class": "jy-group-title" }, title));
        root.appendChild(ul);
      }
    });
    // 请工作人员联系我, about what was found (the program the person came from first)
    var asks = (focus ? [focus] : []).concat(last.results.filter(function (r) { return r !== focus && r.status !== "ineligible"; }));
    var callback = el("div", { "class": "jy-callback" });
    root.appendChild(callback);
    JY.callback(callback, (asks.length ? asks : last.results).map(function (r) { return [r.slug, r.title]; }));
    summary();
    document.getElementById("jy-results").focus();
  }

  function summary() {
    var box = el("div", { "class": "jy-card" });
    box.appendChild(el("h3", null, "我的回答"));
    var ul = el("ul", { "class": "jy-answers" });
    state.history.forEach(function (id) {
      var q = questions[id];
      if (!q) return;
      var li = el("li");
      var v = state.answers[id];
      li.appendChild(el("span", null, q.text + " " + said(q, v)));
      li.appendChild(button("改", "jy-link", function () { editing = id; ask(q); }));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.appendChild(button("清除我的回答", "", function () {
      try { localStorage.removeItem(KEY); } catch (e) { /* ignore */ }
      state = { answers: {}, skip: [], history: [], campaign: state.campaign, focus: null, part: null };
      save();
      step();
    }));
    root.appendChild(box);
  }

  function said(q, v) {
    if (v === undefined) return "（跳过）";
    if (q.type === "bool") return v ? "是" : "不是";
    if (q.options) {
      var labels = q.options.filter(function (o) { return (v instanceof Array) ? v.indexOf(o.value) >= 0 : o.value === v; })
        .map(function (o) { return o.label; });
      return labels.length ? labels.join("、") : "都不是";
    }
    return String(v);
  }

  // The first question comes with the first answer (step), and every question, for going
  // back and for 改 in the summary, loads alongside it rather than before it: one round
  // trip less before the first screen on a slow network.
  request("GET", "/questions").then(function (data) {
    data.questions.forEach(function (q) { if (!questions[q.id]) questions[q.id] = q; });
  }).catch(function () { /* then the summary lists the questions this page showed */ });
  step();
})();
