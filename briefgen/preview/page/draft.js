// Draft chrome of `briefgen preview` (served as /_preview/draft.js; the page loads it with
// <script src>, since the preview's Content-Security-Policy allows no inline script): live
// reload, the error overlay, provenance on hover or focus, and the evidence panel (a note or
// a placed claim, clicked or Enter, shows its quotes in the archive's own text).
(function () {
  "use strict";
  var body = document.body, brief = body.dataset.brief, tag = body.dataset.draft;
  var overlay = document.getElementById("bg-overlay"), list = document.getElementById("bg-problems");
  var status = document.getElementById("bg-status"), tip = document.getElementById("bg-tip");
  var prov = JSON.parse(document.getElementById("bg-provenance").textContent);
  var key = "bg-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) { window.scrollTo(0, parseInt(saved, 10)); sessionStorage.removeItem(key); }

  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
  function showProblems(problems, total) {
    list.textContent = "";
    problems.forEach(function (p) {
      var li = el("li");
      li.appendChild(el("span", "where", p.file + (p.line ? ":" + p.line + ":" + p.col : "")));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "code", p.severity + "[" + p.code + "]"));
      li.appendChild(document.createTextNode(" " + p.message));
      if (p.hint) { li.appendChild(el("div", "hint", "hint: " + p.hint)); }
      if (p.context && p.context.length) {
        var pre = el("pre");
        p.context.forEach(function (row) {
          pre.appendChild(el("span", row[0] === p.line ? "bad" : "", String(row[0]).padStart(4) + "  " + row[1] + "\n"));
        });
        li.appendChild(pre);
      }
      list.appendChild(li);
    });
    if (total > problems.length) {
      list.appendChild(el("li", "hint", "… and " + (total - problems.length) + " more: the terminal lists every one"));
    }
    overlay.classList.add("open");
  }
  function apply(state) {
    // The server sends errors first and at most a few hundred problems; "errors" counts all.
    var errors = state.problems.filter(function (p) { return p.severity === "error"; });
    var count = state.errors !== undefined ? state.errors : errors.length;
    // Only a draft that is the last good one (the save broke it) shows the problems over
    // the page; another brief's draft is current and follows the saves.
    var stale = state.stale === undefined || state.stale.indexOf(brief) >= 0 || !state.pages[brief];
    var said = count + (count === 1 ? " problem" : " problems");
    if (errors.length && stale) { showProblems(errors, count); status.textContent = "draft · " + said; return; }
    overlay.classList.remove("open");
    status.textContent = errors.length ? "draft · live · " + said + " in other briefs" : "draft · live";
    if (brief && state.pages[brief] && state.pages[brief] !== tag) { refresh(state.pages[brief]); }
  }
  // Swap the new draft's content into the open page: faster than a reload, and the reader
  // stays where they were. A change of stylesheet (a template edit) reloads the page.
  var fetching = null;
  function refresh(wanted) {
    if (fetching === wanted) return;
    fetching = wanted;
    fetch(location.pathname, {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      var oldStyle = document.head.querySelector("style"), newStyle = doc.head.querySelector("style");
      if (!newStyle || !oldStyle || newStyle.textContent !== oldStyle.textContent) {
        sessionStorage.setItem(key, String(window.scrollY));
        location.reload();
        return;
      }
      ["header.title-block", "nav.toc", "main"].forEach(function (selector) {
        var now = document.querySelector(selector), next = doc.querySelector(selector);
        if (now && next) { now.replaceWith(document.importNode(next, true)); }
        else if (now) { now.remove(); }
      });
      document.title = doc.title;
      prov = JSON.parse(doc.getElementById("bg-provenance").textContent);
      tag = doc.body.dataset.draft;
      body.dataset.draft = tag;
      fetching = null;
    }).catch(function () { fetching = null; });
  }
  function connect() {
    var events = new EventSource("/_preview/events");
    events.addEventListener("state", function (e) { apply(JSON.parse(e.data)); });
    events.onerror = function () { status.textContent = "draft · reconnecting"; };
    events.onopen = function () { status.textContent = "draft · live"; };
  }
  connect();

  // Markup is ours; every piece of content is escaped where it goes in (a locator or an id
  // holding "<b>" is shown as the characters it is).
  function describe(target) {
    var ids = target.dataset.claim ? [target.dataset.claim] : (target.dataset.claims || "").split(" ").filter(Boolean);
    var parts = [];
    ids.forEach(function (id) {
      var c = prov[id]; if (!c) return;
      var text = "<b>" + escapeHtml(id) + "</b> · " + escapeHtml(c.kind);
      if (c.likelihood) text += " · " + escapeHtml(c.likelihood + ", " + c.confidence + " confidence");
      if (c.as_of) text += " · as of " + escapeHtml(c.as_of);
      text += "<br>" + c.sources.map(function (s) { return escapeHtml(s.source + (s.grade ? " [" + s.grade + "]" : "") + (s.locator ? ", " + s.locator : "")); }).join("; ");
      if (c.where) text += "<br>" + escapeHtml(c.where);
      text += "<br>click or press Enter: the quote in its source";
      parts.push(text);
    });
    if (!parts.length && target.dataset.source) parts.push("<b>" + escapeHtml(target.dataset.source) + "</b>");
    return parts.join("<hr>");
  }
  function escapeHtml(s) { return String(s).replace(/[&<>"']/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c]; }); }
  function show(e) {
    var target = e.target.closest && e.target.closest("[data-claim], [data-claims], .fn-call");
    if (!target) return;
    var html = describe(target);
    if (!html) return;
    tip.innerHTML = html;  // built by describe, content escaped piece by piece
    var r = target.getBoundingClientRect();
    tip.style.left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - 440)) + "px";
    tip.style.top = (window.scrollY + r.bottom + 6) + "px";
    tip.style.display = "block";
    tip.dataset.for = target.dataset.claim || target.dataset.claims || "";
  }
  function hide(e) {
    var target = e.target.closest && e.target.closest("[data-claim], [data-claims], .fn-call");
    if (target) tip.style.display = "none";
  }

  // -- Evidence: the quotes of a note or a placed claim in context ---------------------------
  var evidence = document.getElementById("bg-evidence"), evBody = document.getElementById("bg-evidence-body");
  var evTitle = document.getElementById("bg-evidence-h"), evClose = document.getElementById("bg-evidence-close");
  var opener = null;
  function locatorLine(c) {
    if (c.found) {
      if (c.locator_ok) return ["at " + c.found + ", as the claim says", ""];
      if (c.locator) return ["the quote is at " + c.found + ", not " + c.locator, "bad"];
      return ["found at " + c.found + " (the claim gives no locator)", "bad"];
    }
    return [c.locator ? "locator: " + c.locator : "", ""];
  }
  function renderEvidence(data) {
    evTitle.textContent = data.title;
    evBody.textContent = "";
    if (data.note) {
      var back = el("a", "bg-meta", "note " + data.note + " in the list of notes");
      back.href = "#note-" + data.note;
      back.addEventListener("click", closeEvidence);
      evBody.appendChild(back);
    }
    data.citations.forEach(function (c) {
      var sec = el("section");
      var head = el("div");
      head.appendChild(el("b", "", c.title));
      if (c.grade) head.appendChild(document.createTextNode(" [" + c.grade + "]"));
      sec.appendChild(head);
      if (c.claim) sec.appendChild(el("div", "bg-meta", "claim " + c.claim));
      var line = locatorLine(c);
      if (line[0]) sec.appendChild(el("div", "bg-meta bg-locator" + (line[1] ? " " + line[1] : ""), line[0]));
      if (c.archive) sec.appendChild(el("div", "bg-meta", (c.via ? "archived with " + c.via + ": " : "archive: ") + c.archive));
      if (c.status) sec.appendChild(el("div", "bg-meta bg-why", c.status));
      c.passages.forEach(function (p) {
        var quote = el("blockquote");
        quote.appendChild(el("span", "bg-where", p.locator));
        quote.appendChild(document.createTextNode(p.before));
        if (p.mark) quote.appendChild(el("mark", "", p.mark));
        quote.appendChild(document.createTextNode(p.after));
        sec.appendChild(quote);
      });
      evBody.appendChild(sec);
    });
    tip.style.display = "none";
    evidence.hidden = false;
    evClose.focus();
  }
  function openEvidence(target) {
    var url = target.classList.contains("fn-call")
      ? "/_preview/notes/" + encodeURIComponent(brief) + "/" + encodeURIComponent(target.dataset.note)
      : "/_preview/claims/" + encodeURIComponent(target.dataset.claim);
    opener = target;
    fetch(url, {cache: "no-store"}).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(renderEvidence).catch(function () {
      renderEvidence({title: "No evidence to show", citations: [{title: "The draft changed, or this is not in the last good build: save again.", passages: []}]});
    });
  }
  function closeEvidence() {
    evidence.hidden = true;
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }
  evClose.addEventListener("click", closeEvidence);
  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (evidence.contains(e.target)) return;
    var target = e.target.closest && e.target.closest("a.fn-call, .claim[data-claim]");
    if (!target || !brief) return;
    e.preventDefault();
    openEvidence(target);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !evidence.hidden) { closeEvidence(); return; }
    // A note call is a link (Enter clicks it); a placed claim is a focusable span.
    if (e.key === "Enter" && e.target.matches && e.target.matches(".claim[data-claim]")) { e.preventDefault(); openEvidence(e.target); }
  });

  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
  document.addEventListener("mouseout", hide);
  document.addEventListener("focusout", hide);
})();
