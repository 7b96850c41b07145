// The console's shell: hash routes (#/decisions, #/keys, #/policies, #/usage, #/members,
// #/audit, #/account, #/login, and the screens the mails link to: #/invitations/accept,
// #/verify-email, #/reset-password, with #/forgot-password, and #/sso where single sign-on ends), the header (navigation, org picker, health pill, sign-out) and
// the signed-in user. Each page is a module exporting `render(main, context)` that may answer
// a cleanup function, called when the page is left (it closes sockets and timers).

import { api, session, whenSessionEnds } from "./api.js";
import { h, replace, select } from "./dom.js";
import { healthPill } from "./health.js";
import * as account from "./pages/account.js";
import * as audit from "./pages/audit.js";
import * as decisions from "./pages/decisions.js";
import * as invitation from "./pages/invitation.js";
import * as keys from "./pages/keys.js";
import * as login from "./pages/login.js";
import * as members from "./pages/members.js";
import * as policies from "./pages/policies.js";
import * as reset from "./pages/reset.js";
import * as sso from "./pages/sso.js";
import * as usage from "./pages/usage.js";
import * as verify from "./pages/verify.js";

// Which roles see which page (the API checks again; this only keeps the menu honest).
const PAGES = [
  { route: "decisions", title: "Decisions", module: decisions, roles: ["OWNER", "ADMIN", "DEVELOPER", "VIEWER"] },
  { route: "keys", title: "API keys", module: keys, roles: ["OWNER", "ADMIN", "DEVELOPER"] },
  { route: "policies", title: "Policies", module: policies, roles: ["OWNER", "ADMIN"] },
  { route: "usage", title: "Usage and budgets", module: usage, roles: ["OWNER", "ADMIN", "DEVELOPER", "VIEWER"] },
  { route: "members", title: "Members", module: members, roles: ["OWNER", "ADMIN"] },
  { route: "audit", title: "Audit trail", module: audit, roles: ["OWNER", "ADMIN"] },
  // Reached from the user's email in the header, not from the menu.
  { route: "account", title: "Your account", module: account, roles: ["OWNER", "ADMIN", "DEVELOPER", "VIEWER"], menu: false },
];

// Screens shown with or without a session, without the header: the mails' links land here.
const PUBLIC_PAGES = {
  "forgot-password": { title: "Reset your password", render: (el) => reset.renderForgot(el) },
  "reset-password": { title: "Choose a new password", render: (el, ctx) => reset.renderReset(el, ctx) },
  "verify-email": { title: "Verify your email address", render: (el, ctx) => verify.render(el, ctx) },
  "invitations/accept": { title: "Join an organisation", render: (el, ctx) => invitation.render(el, ctx) },
  sso: { title: "Single sign-on", render: (el, ctx) => sso.render(el, ctx) },
};

const main = document.getElementById("main");
const top = document.getElementById("top");
const announcer = document.getElementById("announcer");
let me = null;
let cleanup = null;
let pill = null;
let shownBefore = false; // a signed-in page has been shown in this document

/** Say something to screen readers (and show it briefly as a toast). */
export function announce(text) {
  announcer.textContent = "";
  // A new text node each time, so the same message twice is announced twice.
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
  const toast = h("div", { class: "toast", "aria-hidden": "true" }, text);
  document.body.append(toast);
  setTimeout(() => toast.remove(), 4000);
}

function currentRoute() {
  const route = window.location.hash.replace(/^#\/?/, "").split("?")[0];
  return route || "decisions";
}

export function navigate(route) {
  if (currentRoute() === route) render();
  else window.location.hash = `#/${route}`;
}

function membership() {
  if (!me) return null;
  // At a host that selects an org (admin.org_host_pattern), that org and no other.
  if (me.hostOrgId) return me.memberships.find((m) => m.orgId === me.hostOrgId) || null;
  return me.memberships.find((m) => m.orgId === session.org) || me.memberships[0] || null;
}

async function loadMe() {
  me = await api("GET", "/api/v1/auth/me");
  const chosen = membership();
  session.org = chosen ? chosen.orgId : null;
}

export async function signedIn(token) {
  session.token = token;
  await loadMe();
  // Signed in to accept an invitation: back to it.
  navigate(sessionStorage.getItem(invitation.PENDING_INVITATION) ? "invitations/accept" : "decisions");
}

/** Just joined an org: show the console on it. */
async function joined(orgId) {
  session.org = orgId;
  await loadMe();
  session.org = orgId;
  navigate("decisions");
}

/**
 * The token of a mail's link (#/verify-email?token=…), taken out of the address bar at once so
 * that it is not left in the history or shown over someone's shoulder.
 */
function takeToken(route) {
  const query = window.location.hash.split("?")[1] || "";
  const token = new URLSearchParams(query).get("token");
  if (token) window.history.replaceState(null, "", `${window.location.pathname}#/${route}`);
  return token;
}

async function renderPublic(route, page) {
  top.hidden = true;
  pill?.stop();
  pill = null;
  document.title = `${page.title} · GovernsAI console`;
  main.dataset.page = route;
  let token = takeToken(route);
  if (route === "invitations/accept") {
    if (token) sessionStorage.setItem(invitation.PENDING_INVITATION, token);
    token = token || sessionStorage.getItem(invitation.PENDING_INVITATION);
    if (session.token && !me) {
      try {
        await loadMe();
      } catch (error) {
        if (error.status === 401) return; // endSession shows the sign-in page
        throw error;
      }
    }
  }
  const finished = (notice) => {
    sessionStorage.setItem("governs.notice", notice);
    me = null;
    navigate("login");
  };
  const signOutFor = async (pending) => {
    sessionStorage.setItem(invitation.PENDING_INVITATION, pending);
    await signOut();
  };
  await page.render(main, { token, me: session.token ? me : null, signedIn, joined, finished, signOut: signOutFor });
}

async function signOut() {
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch {
    // the session may have ended already; signing out locally is what matters
  }
  endSession("You are signed out.");
}

function endSession(message) {
  session.clear();
  me = null;
  pill?.stop();
  pill = null;
  if (message) sessionStorage.setItem("governs.notice", message);
  if (currentRoute() !== "login") window.location.hash = "#/login"; // hashchange renders
  else render();
}

whenSessionEnds(() => endSession("Your session has ended: sign in again."));

function renderHeader(route) {
  const member = membership();
  const nav = h(
    "nav",
    { "aria-label": "Main" },
    h(
      "ul",
      {},
      PAGES.filter((page) => member && page.menu !== false && page.roles.includes(member.role)).map((page) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/${page.route}`, "aria-current": page.route === route ? "page" : false },
            page.title,
          ),
        ),
      ),
    ),
  );
  let orgControl = null;
  if (me.memberships.length > 1 && !me.hostOrgId) {
    orgControl = h(
      "label",
      { class: "org-picker" },
      h("span", { class: "sr-only" }, "Organisation"),
      select(
        me.memberships.map((m) => [m.orgId, `${m.orgName} (${m.role.toLowerCase()})`]),
        member.orgId,
        {
          onchange: (event) => {
            session.org = event.target.value;
            pill?.stop();
            pill = null;
            render();
          },
        },
      ),
    );
  } else if (member) {
    orgControl = h("span", { class: "org-name" }, member.orgName);
  }
  if (!pill) {
    pill = healthPill();
    pill.start();
  }
  replace(
    top,
    h("a", { class: "brand", href: "#/decisions" }, "GovernsAI"),
    nav,
    h(
      "div",
      { class: "top-tools" },
      orgControl,
      pill.element,
      h(
        "a",
        {
          class: "who",
          href: "#/account",
          title: "Your account: two-factor authentication and password",
          "aria-current": route === "account" ? "page" : false,
        },
        me.user.email,
      ),
      h("button", { type: "button", class: "ghost", onclick: signOut }, "Sign out"),
    ),
  );
  top.hidden = false;
}

async function render() {
  cleanup?.();
  cleanup = null;
  const route = currentRoute();
  const publicPage = PUBLIC_PAGES[route];
  if (publicPage) {
    await renderPublic(route, publicPage);
    return;
  }
  if (!session.token) {
    top.hidden = true;
    document.title = "Sign in · GovernsAI console";
    const notice = sessionStorage.getItem("governs.notice");
    sessionStorage.removeItem("governs.notice");
    cleanup = login.render(main, { signedIn, notice });
    return;
  }
  if (route === "login") {
    navigate("decisions");
    return;
  }
  try {
    if (!me) await loadMe();
  } catch (error) {
    if (error.status === 401) return; // endSession already shows the login page
    replace(main, h("div", { class: "alert", role: "alert" }, `The console cannot start: ${error.message}`));
    return;
  }
  const member = membership();
  if (!member) {
    top.hidden = true;
    replace(
      main,
      ...(me.hostOrgId
        ? [h("h1", {}, "Not a member of this organisation"),
          h("p", {}, "This address belongs to an org your account is not a member of. Ask its admins for an invitation.")]
        : [h("h1", {}, "No organisation yet"),
          h("p", {}, "Your account is not a member of any org. Ask an admin for an invitation.")]),
      h("button", { type: "button", onclick: signOut }, "Sign out"),
    );
    return;
  }
  const page = PAGES.find((p) => p.route === route && p.roles.includes(member.role)) || PAGES[0];
  renderHeader(page.route);
  document.title = `${page.title} · GovernsAI console`;
  main.dataset.page = page.route;
  replace(main);
  cleanup = (await page.module.render(main, { me, member, announce, navigate })) || null;
  // After a change of page, focus its heading (screen readers start there); not on the first
  // load, where Tab should still reach "Skip to content" first.
  const heading = main.querySelector("h1");
  if (heading && shownBefore && document.activeElement === document.body) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  shownBefore = true;
}

// The skip link moves the focus without touching the hash, which holds the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => {
  render();
});
render();
