// Passkeys in the console (api.md §10): sign in with one on /login, add one on /account.
// The API's WebAuthn options are JSON with base64url fields; the browser's own parsers turn them into
// what navigator.credentials wants, and a credential's toJSON() is what the API takes back.
(function () {
  "use strict";

  async function api(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { status: response.status, ok: response.ok, data: data };
  }

  function show(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  async function signIn(button) {
    const error = document.getElementById("passkey-error");
    show(error, "");
    const emailInput = document.getElementById("email");
    const email = emailInput && emailInput.value ? emailInput.value : null;
    const begun = await api("/v1/auth/passkey/begin", email ? { email: email } : {});
    if (!begun.ok) { show(error, begun.data.error || "Could not start passkey sign-in."); return; }
    let credential;
    try {
      const options = PublicKeyCredential.parseRequestOptionsFromJSON(begun.data.options);
      credential = await navigator.credentials.get({ publicKey: options });
    } catch (e) {
      show(error, "Passkey sign-in was cancelled or is not available on this device.");
      return;
    }
    const finished = await api("/v1/auth/passkey/finish", {
      challenge_id: begun.data.challenge_id,
      credential: credential.toJSON(),
      session_type: "web",
    });
    if (!finished.ok) { show(error, finished.data.error || "Passkey sign-in failed."); return; }
    window.location.assign(button.dataset.next || "/");
  }

  async function addPasskey() {
    const error = document.getElementById("passkey-add-error");
    const reauth = document.getElementById("passkey-reauth");
    show(error, "");
    const name = document.getElementById("passkey-name").value.trim();
    const begun = await api("/v1/users/me/passkeys/register/begin", name ? { name: name } : {});
    if (begun.status === 403 && begun.data.code === "REAUTHENTICATION_REQUIRED") {
      reauth.hidden = false;
      document.getElementById("passkey-reauth-password").focus();
      return;
    }
    if (!begun.ok) { show(error, begun.data.error || "Could not start adding a passkey."); return; }
    let credential;
    try {
      const options = PublicKeyCredential.parseCreationOptionsFromJSON(begun.data.options);
      credential = await navigator.credentials.create({ publicKey: options });
    } catch (e) {
      show(error, "Adding the passkey was cancelled or is not available on this device.");
      return;
    }
    const body = { credential: credential.toJSON() };
    if (name) { body.name = name; }
    const finished = await api("/v1/users/me/passkeys/register/finish", body);
    if (!finished.ok) { show(error, finished.data.error || "The passkey could not be added."); return; }
    window.location.assign("/account");
  }

  async function reauthenticateThenAdd() {
    const error = document.getElementById("passkey-add-error");
    const password = document.getElementById("passkey-reauth-password");
    const answer = await api("/v1/auth/reauthenticate", { password: password.value });
    password.value = "";
    if (!answer.ok) { show(error, answer.data.error || "Re-authentication failed."); return; }
    document.getElementById("passkey-reauth").hidden = true;
    await addPasskey();
  }

  function ready() {
    const signInButton = document.getElementById("passkey-sign-in");
    if (signInButton) {
      signInButton.addEventListener("click", function () { signIn(signInButton); });
    }
    const addButton = document.getElementById("passkey-add");
    if (addButton) { addButton.addEventListener("click", addPasskey); }
    const confirm = document.getElementById("passkey-reauth-confirm");
    if (confirm) { confirm.addEventListener("click", reauthenticateThenAdd); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
