// The audit trail: every change to the org (keys, policies, budgets, members, invitations,
// signing secrets, the org itself) and budget alerts, newest first, with who did it. Filters by
// who (a member or an API key), action, resource and time; "Details" shows what changed, field by field, and the before and
// after the API recorded. OWNER and ADMIN see this page (the permission audit.read).

import { api, orgQuery } from "../api.js";
import { openDialog } from "../dialog.js";
import { copyButton, errorBox, field, h, replace, select, timeEl, uid } from "../dom.js";
import { orgNames } from "../names.js";

const PAGE_SIZE = 50;
// The actions the gateway writes (admin_api, gateway/budgets/alerts.py): suggestions only; the
// filter takes any action name.
const ACTIONS = [
  "budget.alert", "budget.create", "budget.delete", "budget.update",
  "invitation.create", "invitation.revoke",
  "key.create", "key.delete", "key.update",
  "member.join", "member.remove", "member.update",
  "org.create", "org.delete", "org.update",
  "policy.create", "policy.delete", "policy.update",
  "signing_secret.delete", "signing_secret.rotate",
  "user.email_verify", "user.mfa_disable", "user.mfa_enable", "user.password_change",
  "user.password_reset", "user.signup",
];

export async function render(main) {
  const listId = uid("audit-actions");
  const action = h("input", { type: "text", id: uid("audit-action"), list: listId, autocomplete: "off", placeholder: "any" });
  const resource = h("input", { type: "text", id: uid("audit-resource"), autocomplete: "off", placeholder: "e.g. budget:01J…" });
  const from = h("input", { type: "date", id: uid("audit-from") });
  const to = h("input", { type: "date", id: uid("audit-to") });
  const actor = select([["", "Anyone"]], "", { id: uid("audit-actor") });
  const tbody = h("tbody");
  const errorSlot = h("div");
  const more = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => load(false) }, "Load older entries");
  const count = h("p", { class: "hint", role: "status" });
  const heading = h("h1", {}, "Audit trail");
  replace(
    main,
    h("div", { class: "page-head" }, heading),
    h("p", { class: "lead" }, "Every change made to this org, by whom and when. Entries cannot be edited or deleted."),
    h(
      "form",
      { class: "filters", "aria-label": "Audit filters", onsubmit: (e) => { e.preventDefault(); load(true); } },
      field("Who", actor),
      field("Action", action),
      h("datalist", { id: listId }, ACTIONS.map((name) => h("option", { value: name }))),
      field("Resource", resource),
      field("From", from),
      field("To", to),
      h("div", { class: "filter-actions" },
        h("button", { type: "submit", class: "primary" }, "Show"),
        h("button", { type: "button", class: "secondary", onclick: clear }, "Clear")),
    ),
    errorSlot,
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Audit trail table" },
      h(
        "table",
        { class: "audit-table" },
        h("caption", { class: "sr-only" }, "Audit trail of this org, newest first"),
        h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Resource", "Details"].map((name) => h("th", { scope: "col" }, name)))),
        tbody,
      ),
    ),
    h("div", { class: "pager" }, count, more),
  );

  let cursor = null;
  let shown = 0;
  // Each load is numbered: an answer to a load a later one superseded is dropped (the
  // page's first load answering after "Show" would otherwise add the unfiltered entries).
  // Declared before the first await: "Show" may be pressed while the actors still load.
  let loads = 0;
  // Actors by name rather than id: the org's members (by email) and keys (by name), read once.
  const actors = await orgNames();
  actor.append(
    ...[...actors.users].map(([id, email]) => h("option", { value: `user:${id}` }, email)),
    ...[...actors.keys].map(([id, key]) => h("option", { value: `key:${id}` }, `key ${key.name}`)),
  );

  function query() {
    const [kind, id] = actor.value.split(":");
    return orgQuery({
      actorUserId: kind === "user" ? id : "",
      actorApiKeyId: kind === "key" ? id : "",
      action: action.value.trim(),
      resource: resource.value.trim(),
      from: from.value ? `${from.value}T00:00:00Z` : "",
      to: to.value ? `${to.value}T23:59:59Z` : "",
      limit: PAGE_SIZE,
      cursor: cursor || "",
    });
  }

  async function load(fresh) {
    const mine = ++loads;
    if (fresh) cursor = null;
    tbody.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", "/api/v1/audit", { query: query() });
      if (mine !== loads) return;
      replace(errorSlot);
      if (fresh) {
        replace(tbody);
        shown = 0;
      }
      const firstNew = page.entries.length ? row(page.entries[0]) : null;
      if (firstNew) tbody.append(firstNew, ...page.entries.slice(1).map(row));
      shown += page.entries.length;
      if (!shown) tbody.append(h("tr", { class: "empty-row" }, h("td", { colspan: "5" }, "No entries for these filters.")));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      count.textContent = `${shown} ${shown === 1 ? "entry" : "entries"} shown${cursor ? ", older ones to load" : ""}.`;
      // After "Load older entries", the keyboard continues at the first entry it added.
      if (!fresh && firstNew) firstNew.querySelector("button").focus();
    } catch (error) {
      if (mine === loads) replace(errorSlot, errorBox(error));
    } finally {
      if (mine === loads) tbody.removeAttribute("aria-busy");
    }
  }

  function clear() {
    for (const input of [actor, action, resource, from, to]) input.value = "";
    load(true);
  }

  function who(entry) {
    if (entry.actorUserId) return actors.users.get(entry.actorUserId) || `user ${entry.actorUserId}`;
    if (entry.actorApiKeyId) return `key ${actors.keys.get(entry.actorApiKeyId)?.name || entry.actorApiKeyId}`;
    return "the gateway";
  }

  function row(entry) {
    return h(
      "tr",
      { dataset: { auditId: entry.id } },
      h("td", {}, timeEl(entry.createdAt)),
      h("td", {}, who(entry)),
      h("td", {}, h("code", {}, entry.action)),
      h("td", {}, h("code", {}, entry.resource)),
      h("td", {}, h("button", {
        type: "button",
        class: "small secondary",
        "aria-label": `Details of ${entry.action} at ${timeEl(entry.createdAt).textContent}`,
        onclick: () => openDetails(entry),
      }, "Details")),
    );
  }

  function openDetails(entry) {
    const details = entry.details || {};
    const isChange = "before" in details || "after" in details;
    const facts = [
      ["When", timeEl(entry.createdAt)],
      ["Who", who(entry)],
      ["Action", entry.action],
      ["Resource", entry.resource],
    ];
    const json = JSON.stringify(entry, null, 2);
    openDialog({
      title: `${entry.action} on ${entry.resource}`,
      kind: "drawer",
      returnFocus: heading,
      body: [
        h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
        h("h3", {}, "What changed"),
        isChange ? changes(details.before ?? null, details.after ?? null) : h("p", {}, "Not a change: what happened is in the JSON below."),
        h("h3", {}, "Entry JSON"),
        h("pre", { class: "json", tabindex: "0", "aria-label": "The audit entry as JSON" }, json),
        h("div", { class: "row-actions" }, copyButton("Copy JSON", () => json)),
      ],
    });
  }

  await load(true);
}

/** The fields that differ between before and after, as a table (or a sentence when there is
 * no before, or no after). */
function changes(before, after) {
  const isObject = (v) => v && typeof v === "object" && !Array.isArray(v);
  if (!isObject(before) && !isObject(after)) return h("p", {}, "No details were recorded.");
  if (!isObject(before)) return h("p", {}, "Created; its fields are in the JSON below.");
  if (!isObject(after)) return h("p", {}, "Deleted; what it was is in the JSON below.");
  const text = (v) => (v === undefined ? "—" : JSON.stringify(v));
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => text(before[name]) !== text(after[name]));
  if (!names.length) return h("p", {}, "No field changed.");
  return h(
    "table",
    { class: "changes" },
    h("thead", {}, h("tr", {}, ["Field", "Before", "After"].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, names.map((name) =>
      h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, h("code", {}, text(before[name]))), h("td", {}, h("code", {}, text(after[name])))),
    )),
  );
}
