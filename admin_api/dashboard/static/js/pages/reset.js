// Password reset, both steps: "Forgot your password?" (#/forgot-password) mails a link, and
// the link (#/reset-password?token=…, reached from /reset-password) chooses the new password.
// The same screen sets the first password of an account made with `governs users create`.

import { api, session } from "../api.js";
import { busyForm, card } from "../card.js";
import { errorBox, field, h, replace } from "../dom.js";

export function renderForgot(main) {
  const email = h("input", { type: "email", id: "forgot-email", autocomplete: "username", required: true });
  const errorSlot = h("div", { class: "error-slot" });
  const body = h("div", {});
  card(main, h("h1", { id: "card-title" }, "Reset your password"), body);
  replace(
    body,
    h("p", {}, "Enter your account's email address and we will mail you a link to choose a new password."),
    errorSlot,
    busyForm("Send the link", [field("Email", email)], async () => {
      try {
        await api("POST", "/api/v1/auth/password/forgot", { body: { email: email.value.trim() } });
      } catch (error) {
        replace(errorSlot, errorBox(error));
        email.focus();
        return;
      }
      replace(
        body,
        h("p", { class: "notice", role: "status" }, `If ${email.value.trim()} has an account, a link to reset its password is on its way. It works once.`),
        h("p", { class: "switch-mode" }, h("a", { href: "#/login" }, "Back to sign in")),
      );
    }),
    h("p", { class: "switch-mode" }, h("a", { href: "#/login" }, "Back to sign in")),
  );
  email.focus();
}

export function renderReset(main, { token, finished }) {
  if (!token) {
    card(
      main,
      h("h1", { id: "card-title" }, "This link is incomplete"),
      h("p", {}, "Open the whole link from the mail, or ask for a new one."),
      h("p", { class: "switch-mode" }, h("a", { href: "#/forgot-password" }, "Reset your password")),
    );
    return;
  }
  const password = h("input", { type: "password", id: "reset-password", autocomplete: "new-password", required: true });
  const repeat = h("input", { type: "password", id: "reset-repeat", autocomplete: "new-password", required: true });
  const errorSlot = h("div", { class: "error-slot" });
  card(
    main,
    h("h1", { id: "card-title" }, "Choose a new password"),
    errorSlot,
    busyForm(
      "Set password",
      [field("New password", password, "A long passphrase: the gateway says how long at least."), field("Repeat it", repeat)],
      async () => {
        if (password.value !== repeat.value) {
          replace(errorSlot, errorBox({ message: "The two passwords differ." }));
          repeat.focus();
          return;
        }
        try {
          await api("POST", "/api/v1/auth/password/reset", { body: { token, password: password.value } });
        } catch (error) {
          replace(errorSlot, errorBox(error));
          password.focus();
          return;
        }
        // Setting the password ended every session of the account, this tab's included.
        session.clear();
        finished("Your password is set: sign in with it.");
      },
    ),
  );
  password.focus();
}
