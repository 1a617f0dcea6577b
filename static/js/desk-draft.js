/* Editors' desk: the article form's text kept in this browser until the site has it.
   Each change is written to localStorage (per staff account and article). A save that does not reach the site
   (the session ended, the network failed) leaves it there: the form, opened again, offers it back. The page that
   follows a save forgets the text of the form it came from (data-draft-saved), and any page showing what was kept
   forgets it too. Nothing leaves the browser. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-key]");
  var offer = document.getElementById("draft-offer");
  if (!form || !offer || !window.localStorage) { return; }
  var prefix = "majlis-draft:" + form.getAttribute("data-draft-owner") + ":";
  var key = prefix + form.getAttribute("data-draft-key");
  var names = ["title", "lead", "body", "source", "category", "tags", "slug", "status", "publish_at", "comments_open"];
  var errors = form.getAttribute("data-draft-unsaved") === "1";  // the page shows text the site refused

  function values() {
    var found = {};
    names.forEach(function (name) {
      var input = form.elements[name];
      if (input) { found[name] = input.type === "checkbox" ? input.checked : input.value; }
    });
    return found;
  }

  // Left empty, these are filled in by the site on saving (the address from the title, the date of publication).
  var filledIn = ["slug", "publish_at"];

  // Fields of one line: the site joins their spaces and line breaks into one space (blog/forms.py, _one_line).
  var oneLine = ["title", "source", "category"];

  // As the site stores it: spaces at either end trimmed, line ends as \n, a one-line field's spaces joined, the
  // address in small letters, tags split on either comma.
  function plain(name, value) {
    if (typeof value !== "string") { return value; }
    value = value.normalize("NFC").replace(/\r\n?/g, "\n").trim();
    if (oneLine.indexOf(name) >= 0) { return value.replace(/\s+/g, " "); }
    if (name === "slug") { return value.toLowerCase(); }
    if (name === "tags") {
      return value.split(/[,،]/).map(function (tag) { return tag.trim(); }).filter(Boolean).sort().join(",");
    }
    return value;
  }

  function same(kept, shown) {
    return names.every(function (name) {
      return plain(name, kept[name]) === plain(name, shown[name]) || (kept[name] === "" && filledIn.indexOf(name) >= 0);
    });
  }

  function read(which) {
    try { return JSON.parse(localStorage.getItem(which) || "null"); } catch (e) { return null; }
  }

  function keep() {
    try { localStorage.setItem(key, JSON.stringify({ values: values(), at: Date.now() })); } catch (e) { /* full */ }
  }

  function fill(kept) {
    names.forEach(function (name) {
      var input = form.elements[name];
      if (!input || !(name in kept)) { return; }
      if (input.type === "checkbox") { input.checked = kept[name]; } else { input.value = kept[name]; }
    });
  }

  var saved = form.getAttribute("data-draft-saved");
  if (saved) { localStorage.removeItem(prefix + saved); }  // the site has that form's text now
  var shown = values();
  var kept = read(key);
  if (kept && kept.values) {
    if (same(kept.values, shown)) {
      if (!errors) { localStorage.removeItem(key); }  // the site has it
    } else {
      var when = offer.querySelector("time");
      if (when) {
        var at = new Date(kept.at);
        when.setAttribute("datetime", at.toISOString());
        when.textContent = at.toLocaleString(document.documentElement.lang === "ar" ? "ar-MA" : document.documentElement.lang,
          { dateStyle: "medium", timeStyle: "short" });
      }
      offer.hidden = false;
      offer.querySelector("[data-draft-restore]").addEventListener("click", function () {
        fill(kept.values);
        offer.hidden = true;
        form.elements.title.focus();
      });
      offer.querySelector("[data-draft-discard]").addEventListener("click", function () {
        localStorage.removeItem(key);
        offer.hidden = true;
      });
    }
  }

  var timer = null;
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { timer = null; keep(); }, 400);
  });
  form.addEventListener("change", keep);
  form.addEventListener("submit", function () { clearTimeout(timer); timer = null; keep(); });
  window.addEventListener("pagehide", function () {  // leaving within the pause after the last key
    if (timer !== null) { clearTimeout(timer); timer = null; keep(); }
  });
})();
