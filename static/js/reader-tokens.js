// Pages shared by every reader (served by the caching proxy) carry no per-reader token. When the reader
// starts using a form (or sends it), fetch this reader's tokens once from /reader/tokens and fill them in.
// Waiting for the first interaction keeps the page's own parallel requests (icons, styles) from racing
// with the session the tokens belong to. Without JS, the first comment POST comes back with the text
// kept and fresh tokens (one more click).
(function () {
  "use strict";
  var waiting = null;

  function needsTokens(form) {
    var input = form && form.querySelector ? form.querySelector('input[name="csrf_token"]') : null;
    return Boolean(input) && !input.value;
  }

  function fill(tokens) {
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = tokens.csrf_token; });
    document.querySelectorAll('input[name="form_token"]').forEach(function (input) {
      if (!input.value) { input.value = tokens.form_token; }
    });
    document.querySelectorAll('input[name="started"]').forEach(function (input) {
      if (!input.value) { input.value = tokens.started; }
    });
  }

  function fetchTokens(then) {
    if (waiting) { if (then) { waiting.push(then); } return; }
    waiting = then ? [then] : [];
    var request = new XMLHttpRequest();
    request.open("GET", "/reader/tokens");
    request.setRequestHeader("Accept", "application/json");
    request.onloadend = function () {
      if (request.status === 200) { fill(JSON.parse(request.responseText)); }
      var callbacks = waiting;
      waiting = null;
      callbacks.forEach(function (callback) { callback(request.status === 200); });
    };
    request.send();
  }

  document.addEventListener("focusin", function (event) {
    if (needsTokens(event.target.form)) { fetchTokens(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!needsTokens(form)) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    fetchTokens(function (ok) {
      if (!ok) { HTMLFormElement.prototype.submit.call(form); return; }  // the server answers with fresh tokens
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    });
  }, true);
})();
