// Members: who belongs to the org and with which role; change a role, remove a member, invite
// someone by email (the gateway mails them a token), and revoke an invitation not yet used.
// OWNER and ADMIN see this page; only an OWNER may make, demote or remove an OWNER (the API
// says so too, and answers last_owner when an org would be left without one). Below, the switch
// that makes the org's members sign in through single sign-on (OWNERs keep their password).

import { api, session } from "../api.js";
import { confirmDialog } from "../dialog.js";
import { errorBox, field, formatDate, h, replace, select, timeEl, uid } from "../dom.js";

const ROLES = [
  ["VIEWER", "Viewer: decisions and usage, read only"],
  ["DEVELOPER", "Developer: also their own API keys"],
  ["ADMIN", "Admin: everything but ownership"],
  ["OWNER", "Owner: everything"],
];
const ROLE_NAMES = { VIEWER: "Viewer", DEVELOPER: "Developer", ADMIN: "Admin", OWNER: "Owner" };

export async function render(main, { me, member, announce }) {
  const isOwner = member.role === "OWNER";
  const grantable = ROLES.filter(([role]) => isOwner || role !== "OWNER");
  const org = () => `/api/v1/orgs/${encodeURIComponent(session.org)}`;
  const membersBody = h("tbody");
  const invitationsBody = h("tbody");
  const errorSlot = h("div");
  const inviteErrors = h("div");
  const email = h("input", { type: "email", id: uid("invite-email"), required: true, autocomplete: "off" });
  const role = select(grantable.map(([value, label]) => [value, label]), "DEVELOPER", { id: uid("invite-role") });
  const inviteButton = h("button", { type: "submit", class: "primary" }, "Send invitation");
  const ssoErrors = h("div");
  const ssoText = h("span", { class: "switch-text" }, "…");
  const ssoSwitch = h(
    "button",
    { type: "button", role: "switch", class: "switch", id: "require-sso", "aria-checked": "false", "aria-label": "Require single sign-on", disabled: true, onclick: toggleSso },
    h("span", { class: "switch-track", "aria-hidden": "true" }),
    ssoText,
  );
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "Members")),
    h("p", { class: "lead" }, "Who can sign in to this org's console, and what their role lets them do."),
    errorSlot,
    table("Members of this org", ["Email", "Name", "Role", "Joined", "Actions"], membersBody),
    h(
      "section",
      { "aria-labelledby": "invite-title" },
      h("h2", { id: "invite-title" }, "Invite someone"),
      h(
        "form",
        { class: "panel invite-form", novalidate: true, onsubmit: invite },
        inviteErrors,
        h("div", { class: "field-row" },
          field("Email", email, "They get a mail with a token to sign up or join with."),
          field("Role", role)),
        inviteButton,
      ),
    ),
    h(
      "section",
      { "aria-labelledby": "invitations-title" },
      h("h2", { id: "invitations-title" }, "Invitations"),
      table("Invitations of this org", ["Email", "Role", "Status", "Sent", "Expires", "Actions"], invitationsBody),
    ),
    h(
      "section",
      { "aria-labelledby": "sso-title" },
      h("h2", { id: "sso-title" }, "Single sign-on"),
      h("p", {}, "When required, members sign in through the company's identity provider only; owners keep their password as the way in should it be down."),
      ssoErrors,
      ssoSwitch,
    ),
  );

  function table(caption, columns, body) {
    return h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, caption),
        h("thead", {}, h("tr", {}, columns.map((name) => h("th", { scope: "col" }, name)))),
        body,
      ),
    );
  }

  function showSso(required) {
    ssoSwitch.setAttribute("aria-checked", String(required));
    ssoText.textContent = required ? "Required" : "Not required";
    ssoSwitch.disabled = false;
  }

  async function toggleSso() {
    const wanted = ssoSwitch.getAttribute("aria-checked") !== "true";
    ssoSwitch.disabled = true;
    try {
      const changed = await api("PATCH", org(), { body: { requireSso: wanted } });
      replace(ssoErrors);
      showSso(changed.requireSso);
      announce(changed.requireSso ? "Single sign-on is required" : "Single sign-on is no longer required");
    } catch (error) {
      replace(ssoErrors, errorBox(error));
      ssoSwitch.disabled = false;
    }
  }

  async function load() {
    try {
      const [{ members }, { invitations }] = await Promise.all([
        api("GET", `${org()}/members`),
        api("GET", `${org()}/invitations`),
      ]);
      replace(errorSlot);
      replace(membersBody, members.map(memberRow));
      replace(invitationsBody, invitations.map(invitationRow));
      if (!invitations.length) {
        invitationsBody.append(h("tr", {}, h("td", { colspan: "6" }, "No invitations yet.")));
      }
    } catch (error) {
      replace(errorSlot, errorBox(error));
    }
  }

  function memberRow(m) {
    const self = m.userId === me.user.id;
    // ADMINs cannot touch an OWNER: no controls rather than a refusal.
    const locked = m.role === "OWNER" && !isOwner;
    const roleChoice = locked
      ? ROLE_NAMES[m.role]
      : select(grantable.map(([value]) => [value, ROLE_NAMES[value]]), m.role, {
          "aria-label": `Role of ${m.email}`,
          onchange: (event) => changeRole(m, event.target),
        });
    const remove = locked
      ? null
      : h("button", {
          type: "button",
          class: "small danger-outline",
          "aria-label": self ? "Leave this org" : `Remove ${m.email}`,
          onclick: () => removeMember(m, self),
        }, self ? "Leave" : "Remove");
    return h(
      "tr",
      { dataset: { userId: m.userId } },
      h("th", { scope: "row" }, m.email, self ? h("span", { class: "hint" }, " (you)") : null),
      h("td", {}, m.name || "—"),
      h("td", {}, roleChoice),
      h("td", {}, timeEl(m.joinedAt)),
      h("td", {}, remove),
    );
  }

  async function changeRole(m, control) {
    const previous = m.role;
    control.disabled = true;
    try {
      const changed = await api("PATCH", `${org()}/members/${encodeURIComponent(m.userId)}`, { body: { role: control.value } });
      m.role = changed.role;
      if (m.userId === me.user.id) {
        window.location.reload(); // your own role changed: the menu and pages change with it
        return;
      }
      replace(errorSlot);
      announce(`${m.email} is now ${ROLE_NAMES[m.role].toLowerCase()}.`);
    } catch (error) {
      control.value = previous;
      replace(errorSlot, errorBox(error));
    } finally {
      control.disabled = false;
      control.focus();
    }
  }

  async function removeMember(m, self) {
    const sure = await confirmDialog({
      title: self ? "Leave this org?" : `Remove ${m.email}?`,
      message: self
        ? "You lose access to its console at once, and your API keys in it are disabled; an admin can invite you again."
        : "They lose access to this org at once and are signed out. Their API keys in this org are disabled (an admin may enable one again).",
      confirmLabel: self ? "Leave org" : "Remove member",
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `${org()}/members/${encodeURIComponent(m.userId)}`);
      if (self) {
        window.location.reload(); // the console starts again with the orgs left
        return;
      }
      announce(`${m.email} removed.`);
      await load();
      const heading = main.querySelector("h1");
      heading.tabIndex = -1;
      heading.focus();
    } catch (error) {
      replace(errorSlot, errorBox(error));
    }
  }

  function status(i) {
    if (i.acceptedAt) return "accepted";
    if (i.revokedAt) return "revoked";
    if (new Date(i.expiresAt) <= new Date()) return "expired";
    return "pending";
  }

  function invitationRow(i) {
    const state = status(i);
    return h(
      "tr",
      { dataset: { invitationId: i.id } },
      h("th", { scope: "row" }, i.email),
      h("td", {}, ROLE_NAMES[i.role]),
      h("td", {}, h("span", { class: `badge badge-invitation-${state}` }, state)),
      h("td", {}, timeEl(i.createdAt)),
      h("td", {}, formatDate(i.expiresAt)),
      h("td", {}, state === "pending"
        ? h("button", {
            type: "button",
            class: "small danger-outline",
            "aria-label": `Revoke the invitation of ${i.email}`,
            onclick: () => revoke(i),
          }, "Revoke")
        : null),
    );
  }

  async function invite(event) {
    event.preventDefault();
    const address = email.value.trim();
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
      replace(inviteErrors, errorBox({ message: "Enter an email address." }));
      email.focus();
      return;
    }
    inviteButton.disabled = true;
    try {
      await api("POST", `${org()}/invitations`, { body: { email: address, role: role.value } });
      replace(inviteErrors);
      email.value = "";
      announce(`Invitation sent to ${address}.`);
      await load();
      email.focus();
    } catch (error) {
      replace(inviteErrors, errorBox(error));
      email.focus();
    } finally {
      inviteButton.disabled = false;
    }
  }

  async function revoke(i) {
    const sure = await confirmDialog({
      title: `Revoke the invitation of ${i.email}?`,
      message: "Its token stops working at once. You can invite them again later.",
      confirmLabel: "Revoke invitation",
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `${org()}/invitations/${encodeURIComponent(i.id)}`);
      announce(`Invitation of ${i.email} revoked.`);
      await load();
      email.focus();
    } catch (error) {
      replace(errorSlot, errorBox(error));
    }
  }

  api("GET", org()).then((o) => showSso(o.requireSso), (error) => replace(ssoErrors, errorBox(error)));
  await load();
}
