/* Moderators' workbench: decisions without a reload (fetch + CSRF token from the form) and keyboard shortcuts.
   Every form still works without this script, as a plain POST. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  // The keyboard shortcuts are this script's: their hint shows only where it runs.
  document.querySelectorAll(".hint.keys").forEach(function (hint) { hint.hidden = false; });
  var items = function () { return Array.prototype.slice.call(document.querySelectorAll(".queue-item")); };
  var current = null;

  function say(message, ok) {
    if (!live) { return; }
    live.textContent = message;
    live.className = "live " + (ok ? "live-ok" : "live-warn");
  }

  function updateCounts(counts) {
    if (!counts) { return; }
    Object.keys(counts).forEach(function (name) {
      document.querySelectorAll('[data-count="' + name + '"]').forEach(function (el) { el.textContent = counts[name]; });
    });
  }

  function applyToItem(item, data) {
    if (!item || data.version === undefined) { return; }
    item.querySelectorAll('input[name="version"]').forEach(function (input) { input.value = data.version; });
    var box = item.querySelector('input[name="ids"]');
    if (box) { box.value = data.id + ":" + data.version; box.checked = false; }
    var badge = item.querySelector("[data-status]");
    if (badge && data.status_label) { badge.textContent = data.status_label; }
    item.className = item.className.replace(/\bstatus-\w+/, "status-" + data.status);
    item.classList.add("decided");
  }

  function post(form) {
    var body = new FormData(form);
    return fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { response: response, data: data }; });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var action = submitter && submitter.hasAttribute("formaction") ? submitter.getAttribute("formaction") : null;
    var async = form.hasAttribute("data-async") || form.id === "bulk";
    if (!async || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var target = form;
    if (action) { target = form.cloneNode(true); target.setAttribute("action", action); }
    if (form.id === "bulk") {
      target = document.createElement("form");
      target.setAttribute("action", action || form.getAttribute("action"));
      // The form's data holds the ticked boxes of the list too (their form="bulk"): each once.
      new FormData(form).forEach(function (value, key) { appendHidden(target, key, value); });
    }
    var item = form.closest(".queue-item");
    post(target).then(function (result) {
      var data = result.data;
      // The session ended meanwhile (a new role or password, logged out everywhere): to the login form.
      if (result.response.status === 401 && data.login) { window.location.href = data.login; return; }
      say(data.message || data.error, data.ok);
      updateCounts(data.counts);
      if (item) {
        if (data.ok) { applyToItem(item, data); } else { applyToItem(item, data); item.classList.add("conflict"); }
      }
      if (data.cards) {
        // Each decided card takes its comment's new status and version (a later undo or decision needs them).
        data.cards.forEach(function (card) {
          var decided = document.getElementById("comment-" + card.id);
          if (decided) { applyToItem(decided, card); }
        });
      }
      if (item && data.ok) { move(1); }
    }).catch(function () { form.submit(); });
  });

  function appendHidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    form.appendChild(input);
  }

  function select(item) {
    if (current) { current.classList.remove("current"); }
    current = item;
    if (item) {
      item.classList.add("current");
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var list = items();
    if (!list.length) { return; }
    var index = current ? list.indexOf(current) : -1;
    var next = list[Math.min(list.length - 1, Math.max(0, index + step))];
    if (index === -1) { next = list[0]; }
    select(next);
  }

  function submitKey(key) {
    if (!current) { move(1); }
    if (!current) { return; }
    var form = current.querySelector('form[data-key="' + key + '"]');
    var rule = form && form.querySelector("select[name=rule]");
    if (rule && !rule.value) { rule.focus(); say(rule.options[0].textContent, false); return; }
    if (form) {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", { cancelable: true, bubbles: true })); }
    }
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "textarea" || tag === "select" ||
        event.target.isContentEditable) { return; }
    // The letter typed; with a keyboard in another script (Arabic: "ت" where "j" is), the key's place on a Latin one.
    var key = /^[a-z]$/i.test(event.key) ? event.key.toLowerCase() :
      (/^Key[A-Z]$/.test(event.code || "") ? event.code.slice(3).toLowerCase() : event.key);
    switch (key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": case "r": case "s": case "u": submitKey(key); break;
      case "x":
        if (current) { var box = current.querySelector('input[name="ids"]'); if (box) { box.checked = !box.checked; } }
        break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest(".queue-item");
    if (item && item !== current) { select(item); }
  });
})();
