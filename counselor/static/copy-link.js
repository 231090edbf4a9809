/* The Copy button of a link shown once (dashboard/partner_link_once.html; progressive
 * enhancement). Without this script the button stays hidden and the link is a readonly
 * field whose text can be selected and copied. With it, the button shows where the
 * browser offers the clipboard, copies the link, and says so. Plain script, no framework. */
(function () {
  "use strict";

  function enhance(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!field || !navigator.clipboard || !window.isSecureContext) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          if (status) { status.textContent = "Copied. Paste it into your message."; }
        },
        function () {
          field.focus();
          field.select();
          if (status) { status.textContent = "Could not copy: the link is selected, copy it by hand."; }
        }
      );
    });
    field.addEventListener("focus", function () { field.select(); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-target]"), enhance);
})();
