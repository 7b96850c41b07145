// Your account: two-factor authentication (set up with a QR code or the setup key, switch on
// with a first code, switch off with a code) and changing the password. Every role has it; it
// concerns the signed-in user, not the org.

import { api } from "../api.js";
import { copyButton, errorBox, field, h, replace, uid } from "../dom.js";

export async function render(main, { me, announce }) {
  const mfa = h("div", { class: "panel" });
  const password = h("div", { class: "panel" });
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "Your account")),
    h("p", { class: "lead" }, `Signed in as ${me.user.email}.`),
    h("section", { "aria-labelledby": "mfa-title" }, h("h2", { id: "mfa-title" }, "Two-factor authentication"), mfa),
    h("section", { "aria-labelledby": "password-title" }, h("h2", { id: "password-title" }, "Password"), password),
  );

  async function showMfa() {
    try {
      const { enabled } = await api("GET", "/api/v1/auth/mfa/totp");
      if (enabled) showEnabled();
      else showDisabled();
    } catch (error) {
      replace(mfa, errorBox(error));
    }
  }

  function showDisabled() {
    const start = h("button", { type: "button", class: "primary", onclick: setUp }, "Set up two-factor authentication");
    replace(
      mfa,
      h("p", { class: "status-line" }, h("strong", {}, "Off."), " Signing in needs only your password."),
      h("p", { class: "hint" }, "With it on, signing in also asks for a six-digit code from an authenticator app on your phone."),
      start,
    );
  }

  function showEnabled() {
    replace(
      mfa,
      h("p", { class: "status-line" }, h("strong", {}, "On."), " Signing in asks for a code from your authenticator app."),
      codeForm({
        label: "Code from your app",
        hint: "To switch it off, prove you still hold the app.",
        path: "/api/v1/auth/mfa/totp/disable",
        button: h("button", { type: "submit", class: "danger-outline" }, "Turn off"),
        announcement: "Two-factor authentication is off.",
        then: showDisabled,
      }),
    );
  }

  async function setUp() {
    let setup;
    try {
      setup = await api("POST", "/api/v1/auth/mfa/totp/setup");
    } catch (error) {
      replace(mfa, errorBox(error));
      return;
    }
    const keyId = uid("setup-key");
    replace(
      mfa,
      h("ol", { class: "steps" },
        h("li", {},
          h("p", {}, "Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …)."),
          h("img", { class: "qr-code", src: setup.qrCodeDataUri, alt: "QR code of your two-factor setup key", width: "220", height: "220" }),
          h("p", {}, "Or type this setup key into the app: ",
            h("code", { id: keyId, class: "setup-key" }, setup.secret.match(/.{1,4}/g).join(" ")), " ",
            copyButton("Copy key", () => setup.secret, {
              className: "small secondary",
              attrs: { "aria-describedby": keyId },
              done: "Copied to the clipboard.",
              failed: "Select the key and copy it.",
            }))),
        h("li", {},
          codeForm({
            label: "Six-digit code from the app",
            hint: "It changes every 30 seconds.",
            path: "/api/v1/auth/mfa/totp/enable",
            button: [
              h("button", { type: "submit", class: "primary" }, "Turn on"),
              h("button", { type: "button", class: "secondary", onclick: showMfa }, "Cancel"),
            ],
            announcement: "Two-factor authentication is on.",
            then: showEnabled,
          }))),
    );
    mfa.querySelector("button").focus();
  }

  /** A form that sends one six-digit code from the app to `path` (enable or disable), then
   * shows the new state with `then` and puts the focus on it. */
  function codeForm({ label, hint, path, button, announcement, then }) {
    const code = h("input", {
      type: "text",
      id: uid("totp-code"),
      inputmode: "numeric",
      autocomplete: "one-time-code",
      maxlength: "6",
      required: true,
      class: "code-input",
    });
    const errors = h("div");
    const send = async (event) => {
      event.preventDefault();
      if (!/^\d{6}$/.test(code.value)) return refuse(errors, code, "Enter the six-digit code your app shows.");
      try {
        await api("POST", path, { body: { code: code.value } });
        announce(announcement);
        then();
        // The news is the status line: the focus goes there, not to the next form.
        const status = mfa.querySelector(".status-line");
        status.tabIndex = -1;
        status.focus();
      } catch (error) {
        refuse(errors, code, error);
      }
    };
    return h("form", { class: "inline-form", novalidate: true, onsubmit: send }, errors, field(label, code, hint), button);
  }

  function showPassword() {
    const current = h("input", { type: "password", id: uid("current-password"), autocomplete: "current-password", required: true });
    const next = h("input", { type: "password", id: uid("new-password"), autocomplete: "new-password", required: true, minlength: "10" });
    const again = h("input", { type: "password", id: uid("repeat-password"), autocomplete: "new-password", required: true });
    const errors = h("div");
    const done = h("p", { class: "success", role: "status" });
    const form = h(
      "form",
      {
        class: "password-form",
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          replace(done);
          if (!current.value) return refuse(errors, current, "Enter your current password.");
          if (next.value !== again.value) return refuse(errors, again, "The two new passwords differ.");
          try {
            await api("POST", "/api/v1/auth/password", {
              body: { currentPassword: current.value, newPassword: next.value },
            });
            replace(errors);
            form.reset();
            done.textContent = "Password changed. Your other sessions were signed out.";
          } catch (error) {
            const control = error.param === "newPassword" ? next : current;
            refuse(errors, control, error);
          }
        },
      },
      errors,
      field("Current password", current),
      field("New password", next, "At least 10 characters."),
      field("New password, again", again),
      h("button", { type: "submit", class: "primary" }, "Change password"),
      done,
    );
    replace(password, form);
  }

  function refuse(slot, control, error) {
    replace(slot, errorBox(typeof error === "string" ? { message: error } : error));
    control.focus();
  }

  showPassword();
  await showMfa();
}
