/* A message kept at the top of the page while it scrolls (a sticky .flash) can be closed: on a small screen, or
   zoomed in, it may cover much of what the reader came to. Loaded only by pages that show a message. */
(function () {
  "use strict";
  document.querySelectorAll(".flash[data-close]").forEach(function (message) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "flash-close";
    button.setAttribute("aria-label", message.getAttribute("data-close"));
    button.textContent = "×";
    button.addEventListener("click", function () {
      message.remove();
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    });
    message.appendChild(button);
  });
})();
