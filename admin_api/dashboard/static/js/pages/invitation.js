// Accepting an invitation (#/invitations/accept?token=…, reached from the mail's
// /invitations/accept link). Signed in: one button joins the org, and the console opens on it.
// Not signed in: create an account with the invited address (it joins at once), or sign in
// first; the token waits in this tab's sessionStorage meanwhile and the screen comes back.

import { api, session } from "../api.js";
import { busyForm, card } from "../card.js";
import { errorBox, field, h, replace } from "../dom.js";

export const PENDING_INVITATION = "governs.invitation";

export async function render(main, { token, me, joined, signedIn, signOut }) {
  const errorSlot = h("div", { class: "error-slot" });
  const title = h("h1", { id: "card-title" }, "Join an organisation");
  if (!token) {
    card(main, title, h("p", {}, "This link is incomplete: open the whole link from the mail."));
    return;
  }
  let invitation;
  try {
    invitation = await api("POST", "/api/v1/invitations/preview", { body: { token } });
  } catch (error) {
    if (error.code === "invitation_not_found") sessionStorage.removeItem(PENDING_INVITATION);
    const why =
      error.code === "invitation_not_found"
        ? "This invitation is unknown, or it was used, revoked or has expired. Ask whoever invited you for a new one."
        : error.message;
    card(main, title, h("div", { class: "alert", role: "alert" }, why), h("p", { class: "switch-mode" }, h("a", { href: "#/decisions" }, "Open the console")));
    return;
  }
  const role = invitation.role.charAt(0) + invitation.role.slice(1).toLowerCase();
  title.textContent = `Join ${invitation.orgName}`;
  const what = h("p", {}, `You are invited to join ${invitation.orgName} as ${role}. The invitation was sent to ${invitation.email}.`);
  if (me) {
    const theirs = me.user.email === invitation.email;
    const switchAccount = h(
      "p",
      { class: "switch-mode" },
      theirs ? "Another address? " : null,
      h("button", { type: "button", class: "link", onclick: () => signOut(token) }, theirs ? "Sign out and use it" : `Sign out and use ${invitation.email}`),
    );
    if (!theirs) {
      card(main, title, what, h("p", { class: "notice" }, `You are signed in as ${me.user.email}: only ${invitation.email} can accept it.`), switchAccount);
      return;
    }
    card(
      main,
      title,
      what,
      errorSlot,
      busyForm("Accept and join", [], async () => {
        try {
          const answer = await api("POST", "/api/v1/invitations/accept", { body: { token } });
          sessionStorage.removeItem(PENDING_INVITATION);
          await joined(answer.orgId);
        } catch (error) {
          // Used or revoked meanwhile: the next sign-in should not come back here.
          if (error.code === "invitation_not_found") sessionStorage.removeItem(PENDING_INVITATION);
          replace(errorSlot, errorBox(error));
        }
      }),
      switchAccount,
    );
    return;
  }
  const name = h("input", { type: "text", id: "invite-name", autocomplete: "name" });
  const email = h("input", { type: "email", id: "invite-email", autocomplete: "username", required: true, value: invitation.email });
  const password = h("input", { type: "password", id: "invite-password", autocomplete: "new-password", required: true });
  card(
    main,
    title,
    what,
    h("p", {}, "Create your account with this address, and you join at once."),
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
  password.focus();
}
