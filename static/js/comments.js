/* Majlis comments: reply in place, more comments in place, reactions without a reload.
   Every action also works without this script (links and plain form POSTs). */
(function () {
  "use strict";

  // A form sent back with errors: the keyboard's place starts at what went wrong (a message present when the page
  // loads is not read out as an alert), without moving the page from where its address put it (#respond).
  // Once loaded: the browser's own move to the address's #respond comes first, and would take the focus away.
  var summary = document.querySelector("#respond .error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    window.addEventListener("load", function () {
      setTimeout(function () { summary.focus({ preventScroll: true }); }, 0);
    });
  }

  var list = document.getElementById("comment-list");
  var mainForm = document.getElementById("comment-form");
  if (!list) { return; }

  function closeReplyForms() {
    document.querySelectorAll(".reply-form").forEach(function (node) { node.remove(); });
  }

  function commentOf(link) {
    // The comment a link belongs to, and its number (from its id, "comment-123").
    var item = link.closest("article.comment");
    return item && item.id.indexOf("comment-") === 0 ? { item: item, id: item.id.slice(8) } : null;
  }

  function openReply(link) {
    // The title and the cancel label are the list's (public/_comments.html), the name the comment's.
    var comment = commentOf(link);
    var replyTitle = list.getAttribute("data-reply-title");
    if (!mainForm || !comment || replyTitle === null) { return false; }
    var item = comment.item;
    var id = comment.id;
    var author = item.querySelector(".author");
    var existing = item.querySelector(".reply-form");
    closeReplyForms();
    if (existing) { return true; }
    var box = document.createElement("div");
    box.className = "reply-form";
    // A heading that names the form, for a screen reader's list of headings and forms.
    var title = document.createElement("h3");
    title.className = "reply-title";
    title.id = "reply-title-" + id;
    // The name isolated (FSI ... PDI), as the pages write it: a Latin name keeps its order in an Arabic sentence.
    title.textContent = replyTitle.replace("{name}", function () {
      return "\u2068" + (author ? author.textContent : "") + "\u2069";
    });
    var form = mainForm.cloneNode(true);
    form.id = "reply-form-" + id;
    form.setAttribute("aria-labelledby", title.id);
    form.querySelectorAll("[id]").forEach(function (node) { node.id = node.id + "-r" + id; });
    form.querySelectorAll("label[for]").forEach(function (node) {
      node.setAttribute("for", node.getAttribute("for") + "-r" + id);
    });
    // A blank form: none of the main form's error marks (its messages, their links, the red fields).
    form.querySelectorAll(".error").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
    form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    var parent = form.querySelector("input[name=parent_id]");
    parent.value = id;
    var body = form.querySelector("textarea[name=body]");
    body.value = "";
    // Closed (its button, or Escape inside it), the keyboard's place goes back to the "reply" link it came from.
    function close() {
      closeReplyForms();
      link.focus();
    }
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link cancel-reply";
    cancel.textContent = list.getAttribute("data-cancel");
    cancel.addEventListener("click", close);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    form.appendChild(cancel);
    box.appendChild(title);
    box.appendChild(form);
    item.appendChild(box);
    // The first field still to fill (a returning reader's name and address are already there).
    var fields = Array.prototype.slice.call(form.querySelectorAll("input[required], textarea[required]"));
    (fields.filter(function (field) { return !field.value; })[0] || body).focus();
    return true;
  }

  function loadMore(link) {
    var url = link.getAttribute("data-fragment");
    if (!url) { return false; }
    // A page opened with ?lang= gets its next comments in that language too (else the reader's cookie decides).
    var lang = new URLSearchParams(window.location.search).get("lang");
    if (lang) { url += (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(lang); }
    link.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Majlis-Fragment": "1" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var fresh = holder.content.querySelector(".comment-list");
        var first = null;
        if (fresh) {
          Array.prototype.slice.call(fresh.children).forEach(function (item) {
            if (!item.id || !document.getElementById(item.id)) { list.appendChild(item); first = first || item; }
          });
        }
        if (first) {
          // The keyboard's place moves to the first comment loaded (the link it was on goes away or moves on).
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
        var nav = link.closest(".more-comments");
        var next = holder.content.querySelector(".more-comments");
        if (next) {
          // The earlier pages are already on screen: keep only the way forward.
          next.querySelectorAll("a[rel=prev], span").forEach(function (node) { node.remove(); });
          if (!next.querySelector("a")) { next = null; }
        }
        if (nav && next) { nav.replaceWith(next); } else if (nav) { nav.remove(); }
      })
      .catch(function () { window.location.href = link.href; });
    return true;
  }

  function react(form, button) {
    // The buttons of every comment submit the page's one reaction form, each to its own comment's address.
    var data = new FormData(form);
    data.set("value", button.value);
    var group = button.closest(".reactions");
    // The answer's messages in the page's language, which a page opened with ?lang= holds in no cookie.
    var url = button.formAction + (button.formAction.indexOf("?") < 0 ? "?" : "&") + "lang=" +
      encodeURIComponent(document.documentElement.lang);
    fetch(url, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        if (response.ok) { return response.json(); }
        // A refusal the server explains (a page open too long, too many clicks) is said where the reader clicked.
        return response.json().catch(function () { return {}; }).then(function (body) {
          var refused = new Error(String(response.status));
          refused.said = body.error;
          throw refused;
        });
      })
      .then(function (result) {
        tell(group, "");
        group.classList.remove("reaction-failed");
        group.querySelectorAll(".reaction").forEach(function (node) {
          var kind = node.classList.contains("like") ? "like" : "dislike";
          var pressed = (kind === "like" && result.mine === 1) || (kind === "dislike" && result.mine === -1);
          node.querySelector(".count").textContent = kind === "like" ? result.likes : result.dislikes;
          node.setAttribute("aria-pressed", pressed ? "true" : "false");
          node.value = pressed ? "none" : kind;
        });
      })
      .catch(function (error) {
        group.classList.add("reaction-failed");
        if (error.said) { tell(group, error.said); } else { sendWithoutScript(button, data); }
      });
  }

  function tell(group, message) {
    var note = group.nextElementSibling;
    if (note && !note.classList.contains("reaction-message")) { note = null; }
    if (!message) { if (note) { note.remove(); } return; }
    if (!note) {
      note = document.createElement("p");
      note.className = "reaction-message";
      note.setAttribute("role", "alert");
      group.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
  }

  function sendWithoutScript(button, data) {
    // Any other failure (the network, an answer that is not JSON): the reaction goes as a plain form, and the
    // server's own page answers it.
    var form = document.createElement("form");
    form.method = "post";
    form.action = button.formAction;
    data.forEach(function (value, key) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = key; input.value = value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function openReport(link) {
    // A copy of the page's report form under the comment; a second click on the link closes it.
    var template = document.getElementById("report-template");
    var comment = commentOf(link);
    if (!template || !comment) { return false; }
    var item = comment.item;
    var existing = item.querySelector(".report-form");
    document.querySelectorAll("#comment-list .report-form").forEach(function (node) { node.remove(); });
    if (existing) { return true; }
    var form = template.content.querySelector("form").cloneNode(true);
    form.action = link.href;
    var suffix = "-" + comment.id;
    form.querySelector("select").id = "report-rule" + suffix;
    form.querySelector("label").setAttribute("for", "report-rule" + suffix);
    var token = document.querySelector('#reaction-form input[name="csrf_token"]');
    if (token && token.value) { form.querySelector('input[name="csrf_token"]').value = token.value; }
    item.appendChild(form);
    form.querySelector("select").focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.reply-link");
    if (link && openReply(link)) { event.preventDefault(); return; }
    var more = event.target.closest(".more-comments a.more");
    if (more && loadMore(more)) { event.preventDefault(); return; }
    var report = event.target.closest("a.report-link");
    if (report && openReport(report)) { event.preventDefault(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // (reader-tokens.js may hold the submission back until this reader's tokens are filled in.)
    if (form.id !== "reaction-form" || !event.submitter || event.defaultPrevented) { return; }
    event.preventDefault();
    react(form, event.submitter);
  });
})();
