// Copy buttons for secrets shown once (vault tokens, private keys): <button data-copy="ID" hidden> copies the
// value of the element with that id. Without JavaScript the buttons stay hidden and the text can be selected.
(function () {
  "use strict";
  function setUp() {
    var status = document.querySelector("[data-copy-status]");
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var label = button.textContent.replace(/^Copy /, "");
        navigator.clipboard.writeText(target.value !== undefined ? target.value : target.textContent).then(
          function () { if (status) { status.textContent = "Copied the " + label + "."; } },
          function () { if (status) { status.textContent = "Could not copy: select the text and copy it."; } }
        );
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
})();
