// Pages shared by every reader (served by the caching proxy) carry no per-reader token:
// fetch this reader's tokens once and fill the forms. Without JS, the first comment POST comes
// back with the text kept and fresh tokens (one more click).
(function () {
  "use strict";
  var empty = document.querySelectorAll('input[name="csrf_token"][value=""], input[name="csrf_token"]:not([value])');
  if (!empty.length) { return; }
  var request = new XMLHttpRequest();
  request.open("GET", "/reader/tokens");
  request.setRequestHeader("Accept", "application/json");
  request.onload = function () {
    if (request.status !== 200) { return; }
    var tokens = JSON.parse(request.responseText);
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = tokens.csrf_token; });
    document.querySelectorAll('input[name="form_token"]').forEach(function (input) {
      if (!input.value) { input.value = tokens.form_token; }
    });
  };
  request.send();
})();
