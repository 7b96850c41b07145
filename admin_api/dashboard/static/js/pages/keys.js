// API keys: the org's keys with their status; create one (its secret is shown once, with a copy
// button), enable or disable it, delete it after a confirmation.

import { api, orgQuery } from "../api.js";
import { confirmDialog, openDialog } from "../dialog.js";
import { copyButton, errorBox, field, formatDate, h, replace, timeEl, uid } from "../dom.js";

// gateway/scopes.py, with what each lets a key do.
const SCOPES = [
  ["precheck:invoke", "Call the proxy (/v1/chat/completions and the rest)"],
  ["ingest:write", "Send decisions made elsewhere"],
  ["decisions:read", "Read decisions and the live feed"],
  ["usage:read", "Read usage and budgets"],
  ["policy:publish", "Read and change policies"],
  ["budgets:manage", "Manage budgets"],
  ["keys:manage", "Manage API keys"],
  ["audit:read", "Read the audit trail"],
  ["admin", "Everything in this org"],
];
const DEVELOPER_SCOPES = new Set(["precheck:invoke", "ingest:write"]);

export async function render(main, { member, announce }) {
  const newKey = h("button", { type: "button", class: "primary", onclick: () => createDialog() }, "New key");
  const heading = h("h1", {}, "API keys");
  const tbody = h("tbody");
  const errorSlot = h("div");
  replace(
    main,
    h("div", { class: "page-head" }, heading, newKey),
    h("p", { class: "lead" }, "Keys let applications call the gateway. A key's secret is shown once, when it is created."),
    errorSlot,
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "API keys table" },
      h(
        "table",
        { class: "keys-table" },
        h("caption", { class: "sr-only" }, "API keys of this org"),
        h("thead", {}, h("tr", {}, ["Name", "Key", "Scopes", "Environment", "Status", "Created", "Last used", "Actions"].map(
          (name) => h("th", { scope: "col" }, name),
        ))),
        tbody,
      ),
    ),
  );

  async function load() {
    try {
      const keys = await api("GET", "/api/v1/keys", { query: orgQuery() });
      replace(errorSlot);
      replace(tbody, keys.map(row));
      if (!keys.length) tbody.append(h("tr", {}, h("td", { colspan: "8" }, "No keys yet: create one with “New key”.")));
    } catch (error) {
      replace(errorSlot, errorBox(error));
    }
  }

  function row(key) {
    const status = h("button", {
      type: "button",
      role: "switch",
      class: "switch",
      "aria-checked": String(key.isActive),
      "aria-label": `Active: ${key.name}`,
      onclick: () => toggle(key, status),
    }, h("span", { class: "switch-track", "aria-hidden": "true" }), h("span", { class: "switch-text" }, key.isActive ? "Active" : "Disabled"));
    const remove = h("button", {
      type: "button",
      class: "small danger-outline",
      "aria-label": `Delete key ${key.name}`,
      onclick: () => removeKey(key),
    }, "Delete");
    return h(
      "tr",
      { dataset: { keyId: key.id } },
      h("th", { scope: "row" }, key.name),
      h("td", {}, h("code", {}, `${key.keyPrefix}…`)),
      h("td", {}, h("ul", { class: "chips", "aria-label": "Scopes" }, key.scopes.map((s) => h("li", {}, s)))),
      h("td", {}, key.env),
      h("td", {}, status, key.expiresAt ? h("p", { class: "hint" }, `Expires ${formatDate(key.expiresAt)}`) : null),
      h("td", {}, timeEl(key.createdAt)),
      h("td", {}, key.lastUsed ? timeEl(key.lastUsed) : "never"),
      h("td", {}, remove),
    );
  }

  async function toggle(key, button) {
    button.disabled = true;
    try {
      const changed = await api("PATCH", `/api/v1/keys/${encodeURIComponent(key.id)}`, { body: { isActive: !key.isActive } });
      Object.assign(key, changed);
      button.setAttribute("aria-checked", String(key.isActive));
      button.querySelector(".switch-text").textContent = key.isActive ? "Active" : "Disabled";
      announce(`Key ${key.name} ${key.isActive ? "enabled" : "disabled"}.`);
    } catch (error) {
      replace(errorSlot, errorBox(error));
    } finally {
      button.disabled = false;
      button.focus();
    }
  }

  async function removeKey(key) {
    const sure = await confirmDialog({
      title: `Delete the key “${key.name}”?`,
      message: "Applications using it are refused within seconds. This cannot be undone.",
      confirmLabel: "Delete key",
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `/api/v1/keys/${encodeURIComponent(key.id)}`);
      announce(`Key ${key.name} deleted.`);
      await load();
      newKey.focus();
    } catch (error) {
      replace(errorSlot, errorBox(error));
    }
  }

  function createDialog() {
    const name = h("input", { type: "text", id: "key-name", required: true, maxlength: "200", autocomplete: "off" });
    const env = h("input", { type: "text", id: "key-env", value: "prod", pattern: "[a-z0-9_\\-]{1,32}", required: true });
    const expires = h("input", { type: "date", id: "key-expires" });
    const boxes = SCOPES.map(([scope, help]) => {
      const allowed = member.role !== "DEVELOPER" || DEVELOPER_SCOPES.has(scope);
      const id = uid("scope");
      return h(
        "div",
        { class: "check" },
        h("input", { type: "checkbox", id, value: scope, checked: scope === "precheck:invoke", disabled: !allowed }),
        h("label", { for: id }, h("code", {}, scope), h("span", { class: "hint" }, ` ${help}`)),
      );
    });
    const errors = h("div");
    const submit = h("button", { type: "submit", class: "primary" }, "Create key");
    const form = h(
      "form",
      {
        class: "key-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const scopes = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
          if (!scopes.length) {
            replace(errors, errorBox({ message: "Choose at least one scope." }));
            boxes[0].querySelector("input").focus();
            return;
          }
          submit.disabled = true;
          try {
            const created = await api("POST", "/api/v1/keys", {
              body: {
                ...orgQuery(),
                name: name.value.trim(),
                env: env.value.trim(),
                scopes,
                expiresAt: expires.value ? `${expires.value}T23:59:59Z` : undefined,
              },
            });
            dialog.close();
            showSecret(created);
            await load();
          } catch (error) {
            replace(errors, errorBox(error));
            submit.disabled = false;
          }
        },
      },
      errors,
      field("Name", name, "What uses this key, e.g. billing-service."),
      h("div", { class: "field-row" },
        field("Environment", env, "Lower-case letters, digits, - and _."),
        field("Expires (optional)", expires)),
      h("fieldset", { class: "scopes" }, h("legend", {}, "Scopes"), boxes,
        member.role === "DEVELOPER" ? h("p", { class: "hint" }, "Your role may create keys for the proxy and for ingest only.") : null),
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
        submit),
    );
    const dialog = openDialog({ title: "New API key", body: form, initialFocus: name, returnFocus: newKey });
  }

  function showSecret(created) {
    const secret = h("input", { type: "text", id: "new-key-secret", readonly: true, value: created.keyValue, class: "secret", spellcheck: "false" });
    const warningId = uid("secret-warning");
    openDialog({
      title: `Key “${created.name}” created`,
      describedBy: warningId,
      returnFocus: newKey,
      initialFocus: secret,
      body: [
        h("p", { id: warningId, class: "warning" }, "Copy the secret now: it is shown only this once and cannot be seen again."),
        field("Secret key", secret),
        h("div", { class: "row-actions" },
          copyButton("Copy secret", () => secret.value, {
            className: "primary",
            before: () => secret.select(),
            done: "Copied to the clipboard.",
            failed: "Press Ctrl+C (⌘C) to copy the selected secret.",
          })),
      ],
      actions: [{ label: "Done", variant: "secondary" }],
    });
    secret.select();
  }

  await load();
}
