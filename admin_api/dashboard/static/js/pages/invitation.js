// Accepting an invitation (#/invitations/accept?token=…, reached from the mail's
// /invitations/accept link). Signed in: one button joins the org, and the console opens on it.
// Not signed in: create an account with the invited address (it joins at once), or sign in
// first; the token waits in this tab's sessionStorage meanwhile and the screen comes back.

import { api, session } from "../api.js";
import { busyForm, card } from "../card.js";
import { errorBox, field, h, replace } from "../dom.js";

export const PENDING_INVITATION = "governs.invitation";

export function render(main, { token, me, joined, signedIn, signOut }) {
  const errorSlot = h("div", { class: "error-slot" });
  const title = h("h1", { id: "card-title" }, "Join an organisation");
  if (!token) {
    card(main, title, h("p", {}, "This link is incomplete: open the whole link from the mail."));
    return;
  }
  if (me) {
    card(
      main,
      title,
      h("p", {}, `You have been invited to an organisation. You are signed in as ${me.user.email}; the invitation must be for this address.`),
      errorSlot,
      busyForm("Accept and join", [], async () => {
        try {
          const answer = await api("POST", "/api/v1/invitations/accept", { body: { token } });
          sessionStorage.removeItem(PENDING_INVITATION);
          await joined(answer.orgId);
        } catch (error) {
          // Unknown, used, expired or someone else's: the next sign-in should not come back here
          // (signing out to use another address keeps it).
          if (error.code === "invitation_not_found") sessionStorage.removeItem(PENDING_INVITATION);
          replace(errorSlot, errorBox(error));
        }
      }),
      h(
        "p",
        { class: "switch-mode" },
        "Another address? ",
        h("button", { type: "button", class: "link", onclick: () => signOut(token) }, "Sign out and use it"),
      ),
    );
    return;
  }
  const name = h("input", { type: "text", id: "invite-name", autocomplete: "name" });
  const email = h("input", { type: "email", id: "invite-email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", id: "invite-password", autocomplete: "new-password", required: true });
  card(
    main,
    title,
    h("p", {}, "Create your account with the address the invitation was sent to, and you join the organisation at once."),
    errorSlot,
    busyForm(
      "Create account and join",
      [
        field("Your name (optional)", name),
        field("Email", email),
        field("Password", password, "A long passphrase: the gateway says how long at least."),
      ],
      async () => {
        try {
          const answer = await api("POST", "/api/v1/auth/signup", {
            body: {
              email: email.value.trim(),
              password: password.value,
              name: name.value.trim() || undefined,
              invitationToken: token,
            },
          });
          sessionStorage.removeItem(PENDING_INVITATION);
          await signedIn(answer.token);
        } catch (error) {
          replace(errorSlot, errorBox(error));
          (error.param === "password" ? password : email).focus();
        }
      },
    ),
    h(
      "p",
      { class: "switch-mode" },
      "Have an account already? ",
      h(
        "a",
        {
          href: "#/login",
          onclick: () => sessionStorage.setItem(PENDING_INVITATION, token),
        },
        "Sign in to accept",
      ),
    ),
  );
  email.focus();
}
