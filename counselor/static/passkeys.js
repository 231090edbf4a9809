/* Passkeys (WebAuthn) in the browser: adding one on Settings › Two-step sign-in, using one
 * as the second step of a sign-in, and signing in with one from the login page.
 *
 * Each ceremony asks the server for options (a POST: the server keeps the challenge for this
 * one ceremony), hands them to navigator.credentials, and posts the authenticator's answer
 * back as JSON for the server to verify. Every POST carries the page's CSRF token in the
 * X-CSRFToken header. Without passkey support in the browser, the passkey parts of the page
 * stay hidden and everything else works as before. Plain script, no framework. */
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function post(box, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrfToken },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "Something went wrong. Please reload the page and try again.");
        }
        return data;
      });
    });
  }

  function say(box, text) {
    var message = box.querySelector("[data-passkey-message]");
    if (!message) { return; }
    message.textContent = text;
    message.hidden = !text;
  }

  function browserMessage(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey wasn't used (it was cancelled or timed out). You can try again.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This device already holds one of your passkeys.";
    }
    return (error && error.message) || "The passkey didn't work. Please try again.";
  }

  function register(box, form) {
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say(box, "");
    post(box, box.dataset.passkeyOptions).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post(box, box.dataset.passkeyRegister, {
        name: form.elements.name.value,
        credential: {
          id: credential.id,
          rawId: toText(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toText(response.clientDataJSON),
            attestationObject: toText(response.attestationObject),
            transports: response.getTransports ? response.getTransports() : []
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment || undefined
        }
      });
    }).then(function (result) {
      window.location.assign(result.redirect);
    }).catch(function (error) {
      say(box, browserMessage(error));
      button.disabled = false;
    });
  }

  function authenticate(box, button) {
    button.disabled = true;
    say(box, "");
    post(box, box.dataset.passkeyOptions).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post(box, box.dataset.passkeyVerify, {
        credential: {
          id: credential.id,
          rawId: toText(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toText(response.clientDataJSON),
            authenticatorData: toText(response.authenticatorData),
            signature: toText(response.signature),
            userHandle: response.userHandle ? toText(response.userHandle) : null
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment || undefined
        }
      });
    }).then(function (result) {
      window.location.assign(result.redirect);
    }).catch(function (error) {
      say(box, browserMessage(error));
      button.disabled = false;
    });
  }

  function start() {
    if (!window.PublicKeyCredential || !navigator.credentials) { return; }
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
      note.hidden = true;
    });
    var box = document.querySelector("[data-passkey-register]");
    var form = box && box.querySelector("[data-passkey-add]");
    if (form) {
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        register(box, form);
      });
    }
    document.querySelectorAll("[data-passkey-sign-in], [data-passkey-second-factor]").forEach(function (area) {
      var button = area.querySelector("[data-passkey-use]");
      area.hidden = false;
      button.addEventListener("click", function () { authenticate(area, button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
