// Sign in (email and password, then the two-factor code when the account has TOTP on, or a
// "Sign in with …" button per single sign-on provider) and sign up (an account with a new org).
// Both answer a session token, kept in sessionStorage. A refused single sign-on comes back here
// as #/login?ssoError=<reason>.

import { api } from "../api.js";
import { busyForm } from "../card.js";
import { errorBox, field, h, replace } from "../dom.js";

// What each refusal of admin_api.sso means to the person signing in.
const SSO_ERRORS = {
  domain_not_allowed: "Your email address's domain may not sign in here.",
  email_unverified: "Your identity provider has not verified your email address.",
  email_missing: "Your identity provider did not send an email address.",
  state_replayed: "This sign-in was used already: start again with the button.",
  state_invalid: "This sign-in is unknown or has expired: start again with the button.",
  state_mismatch: "This sign-in was started in another browser: start again with the button.",
  id_token_invalid: "The identity provider's answer failed the gateway's checks: sign-in refused.",
  provider_unavailable: "The identity provider cannot be reached right now: try again shortly.",
  token_exchange_failed: "The identity provider refused to finish the sign-in: try again.",
  provider_refused: "The identity provider did not sign you in.",
  provider_unknown: "This identity provider is not configured any more.",
  org_missing: "The organisation this identity provider signs into does not exist yet.",
  code_missing: "The identity provider's answer was incomplete: try again.",
  issuer_mismatch: "The answer came from another identity provider than the one asked: sign-in refused.",
  conflict: "Another sign-in of your account ran at the same moment: sign in again.",
  rate_limited: "Too many sign-in attempts from here: wait a few minutes, then try again.",
};

/** The refusal in the address (#/login?ssoError=…), taken out of it so a reload is clean. */
function takeSsoError() {
  const query = window.location.hash.split("?")[1] || "";
  const reason = new URLSearchParams(query).get("ssoError");
  if (!reason) return null;
  window.history.replaceState(null, "", `${window.location.pathname}#/login`);
  return SSO_ERRORS[reason] || `Single sign-on was refused (${reason}).`;
}

export function render(main, { signedIn, notice }) {
  let credentials = null;
  const ssoError = takeSsoError();
  const ssoButtons = h("div", { class: "sso-buttons" });
  api("GET", "/api/v1/auth/sso/providers").then(
    ({ providers }) =>
      replace(ssoButtons, ...providers.map((p) => h("a", { class: "sso-button", href: p.startUrl }, `Sign in with ${p.name}`))),
    () => {}, // no buttons: password sign-in still works
  );
  const card = h("section", { class: "login-card", "aria-labelledby": "login-title" });
  const errorSlot = h("div", { class: "error-slot" });
  replace(main, h("div", { class: "login-page" }, card));
  show(passwordStep, false);
  if (ssoError) replace(errorSlot, errorBox({ message: ssoError }));

  function show(step, focusFirst = true) {
    replace(errorSlot);
    replace(card, h("p", { class: "brand-mark", "aria-hidden": "true" }, "GovernsAI"), step());
    if (focusFirst) card.querySelector("input")?.focus();
  }

  function fail(error, focus) {
    replace(errorSlot, errorBox(error));
    focus?.focus();
    focus?.select?.();
  }

  function form(submitLabel, fields, action) {
    return busyForm(submitLabel, fields, action, "login-title");
  }

  function switchLink(text, label, step) {
    return h(
      "p",
      { class: "switch-mode" },
      text,
      h("button", { type: "button", class: "link", onclick: () => show(step) }, label),
    );
  }

  async function logIn(body, onError) {
    try {
      const answer = await api("POST", "/api/v1/auth/login", { body });
      await signedIn(answer.token);
    } catch (error) {
      if (error.code === "mfa_required") show(mfaStep);
      else onError(error);
    }
  }

  function passwordStep() {
    const email = h("input", { type: "email", id: "login-email", autocomplete: "username", required: true, value: credentials?.email || "" });
    const password = h("input", { type: "password", id: "login-password", autocomplete: "current-password", required: true });
    return [
      h("h1", { id: "login-title" }, "Sign in to the console"),
      notice ? h("p", { class: "notice" }, notice) : null,
      errorSlot,
      form("Sign in", [field("Email", email), field("Password", password)], async () => {
        credentials = { email: email.value.trim(), password: password.value };
        await logIn(credentials, (error) => fail(error, password));
      }),
      h("p", { class: "switch-mode" }, h("a", { href: "#/forgot-password" }, "Forgot your password?")),
      switchLink("No account yet? ", "Create one", signupStep),
      ssoButtons,
    ];
  }

  function mfaStep() {
    const code = h("input", {
      type: "text",
      id: "login-code",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9]{6}",
      maxlength: "6",
      required: true,
    });
    return [
      h("h1", { id: "login-title" }, "Two-factor authentication"),
      h("p", {}, `Enter the code from your authenticator app for ${credentials.email}.`),
      errorSlot,
      form("Verify", [field("Six-digit code", code)], async () => {
        await logIn({ ...credentials, totpCode: code.value.trim() }, (error) => fail(error, code));
      }),
      switchLink("", "Use another account", passwordStep),
    ];
  }

  function signupStep() {
    const name = h("input", { type: "text", id: "signup-name", autocomplete: "name" });
    const email = h("input", { type: "email", id: "signup-email", autocomplete: "username", required: true });
    const password = h("input", { type: "password", id: "signup-password", autocomplete: "new-password", required: true });
    const org = h("input", { type: "text", id: "signup-org", autocomplete: "organization", required: true });
    const fields = [
      field("Your name (optional)", name),
      field("Email", email),
      field("Password", password, "A long passphrase: the gateway says how long at least."),
      field("Organisation name", org, "A new org, with you as its owner."),
    ];
    return [
      h("h1", { id: "login-title" }, "Create an account"),
      errorSlot,
      form("Create account", fields, async () => {
        try {
          const answer = await api("POST", "/api/v1/auth/signup", {
            body: {
              email: email.value.trim(),
              password: password.value,
              name: name.value.trim() || undefined,
              orgName: org.value.trim(),
            },
          });
          await signedIn(answer.token);
        } catch (error) {
          fail(error, error.param === "password" ? password : email);
        }
      }),
      switchLink("Have an account? ", "Sign in", passwordStep),
    ];
  }
}
