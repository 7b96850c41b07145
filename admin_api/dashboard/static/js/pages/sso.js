// The end of a single sign-on (#/sso?token=…, where the gateway sends the browser back from
// the identity provider): the one-time token is traded for a session at once, as a password
// sign-in would answer one.

import { api } from "../api.js";
import { card } from "../card.js";
import { errorBox, h, replace } from "../dom.js";

export async function render(main, { token, signedIn }) {
  const body = h("p", { role: "status" }, "Signing you in…");
  card(main, h("h1", { id: "card-title" }, "Single sign-on"), body);
  if (!token) {
    replace(body, h("a", { href: "#/login" }, "Sign in"));
    return;
  }
  try {
    const answer = await api("POST", "/api/v1/auth/sso/exchange", { body: { token } });
    await signedIn(answer.token);
  } catch (error) {
    replace(body, errorBox(error), h("p", { class: "switch-mode" }, h("a", { href: "#/login" }, "Sign in again")));
  }
}
