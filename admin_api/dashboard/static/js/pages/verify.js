// Email verification (#/verify-email?token=…, reached from the mail's /verify-email link): one
// button confirms the address (a click, so that a mail scanner opening the link confirms
// nothing).

import { api, session } from "../api.js";
import { busyForm, card } from "../card.js";
import { errorBox, h, replace } from "../dom.js";

export function render(main, { token }) {
  const errorSlot = h("div", { class: "error-slot" });
  const body = h("div", {});
  card(main, h("h1", { id: "card-title" }, "Verify your email address"), body);
  const next = () =>
    h(
      "p",
      { class: "switch-mode" },
      h("a", { href: "#/decisions" }, session.token ? "Open the console" : "Sign in"),
    );
  if (!token) {
    replace(body, h("p", {}, "This link is incomplete: open the whole link from the mail."), next());
    return;
  }
  replace(
    body,
    h("p", {}, "Confirm that this address is yours."),
    errorSlot,
    busyForm("Verify my email", [], async () => {
      try {
        await api("POST", "/api/v1/auth/email/verify", { body: { token } });
      } catch (error) {
        replace(errorSlot, errorBox(error));
        return;
      }
      replace(body, h("p", { class: "notice", role: "status" }, "Your email address is verified."), next());
    }),
  );
}
