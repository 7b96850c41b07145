// API keys: the org's keys with their status; create one (its secret is shown once, with a copy
// button), enable or disable it, narrow its models and give it rate limits of its own ("Access"),
// delete it after a confirmation. The org's own models (granted by an operator) are shown above.

import { api, orgQuery } from "../api.js";
import { confirmDialog, openDialog } from "../dialog.js";
import { copyButton, errorBox, field, formatDate, formatMoney, h, replace, timeEl, uid } from "../dom.js";

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
  const orgModels = h("p", { class: "hint", id: "org-models" });
  replace(
    main,
    h("div", { class: "page-head" }, heading, newKey),
    h("p", { class: "lead" }, "Keys let applications call the gateway. A key's secret is shown once, when it is created."),
    orgModels,
    errorSlot,
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "API keys table" },
      h(
        "table",
        { class: "keys-table" },
        h("caption", { class: "sr-only" }, "API keys of this org"),
        h("thead", {}, h("tr", {}, ["Name", "Key", "Scopes", "Models and limits", "Spend this month", "Budget", "Environment", "Status", "Created", "Last used", "Actions"].map(
          (name) => h("th", { scope: "col" }, name),
        ))),
        tbody,
      ),
    ),
  );

  async function load() {
    try {
      const [keys, money] = await Promise.all([
        api("GET", "/api/v1/keys", { query: orgQuery() }),
        spendAndBudgets(),
      ]);
      replace(errorSlot);
      replace(tbody, keys.map((key) => row(key, money)));
      if (!keys.length) tbody.append(h("tr", {}, h("td", { colspan: "11" }, "No keys yet: create one with “New key”.")));
      highlightLinkedKey();
    } catch (error) {
      replace(errorSlot, errorBox(error));
    }
  }

  // Spend per key this UTC month (the usage report by key) and each key's own budgets. Either
  // may be refused to a role without usage:read: the columns then say so, the keys still show.
  async function spendAndBudgets() {
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const [usage, budgets] = await Promise.allSettled([
      api("GET", "/api/v1/usage", { query: orgQuery({ by: "key", groupBy: "month", from: monthStart, to: now.toISOString() }) }),
      api("GET", "/api/v1/budgets", { query: orgQuery() }),
    ]);
    const spend = usage.status === "fulfilled" ? new Map() : null;
    if (spend) for (const r of usage.value.rows) spend.set(r.key, (spend.get(r.key) || 0) + Number(r.cost));
    const byKey = budgets.status === "fulfilled" ? new Map() : null;
    if (byKey) {
      for (const b of budgets.value.budgets || []) {
        if (b.apiKeyId && b.isActive) byKey.set(b.apiKeyId, [...(byKey.get(b.apiKeyId) || []), b]);
      }
    }
    return { spend, byKey };
  }

  function spendCell(key, money) {
    if (!money.spend) return h("td", { class: "key-spend" }, "—");
    return h("td", { class: "key-spend num" }, formatMoney(money.spend.get(key.id) || 0));
  }

  function budgetCell(key, money) {
    if (!money.byKey) return h("td", { class: "key-budget" }, "—");
    const own = money.byKey.get(key.id) || [];
    if (!own.length) return h("td", { class: "key-budget" }, "none");
    return h("td", { class: "key-budget" }, own.map((b) =>
      h("p", {}, `${formatMoney(b.currentSpend)} of ${formatMoney(b.amount)} (${b.period})`)));
  }

  // `#/keys?key=<id>` (a decision's link): mark that key's row and bring it into view.
  function highlightLinkedKey() {
    const wanted = new URLSearchParams(window.location.hash.split("?")[1] || "").get("key");
    if (!wanted) return;
    const linked = [...tbody.rows].find((r) => r.dataset.keyId === wanted);
    if (!linked) return;
    linked.classList.add("row-linked");
    linked.setAttribute("aria-current", "true");
    linked.scrollIntoView({ block: "center" });
  }

  async function loadOrgModels() {
    try {
      const org = await api("GET", `/api/v1/orgs/${encodeURIComponent(orgQuery().orgId)}`);
      const models = org.allowedModels;
      orgModels.textContent = models === null
        ? "This org may use every model of the gateway."
        : models.length
          ? `This org may use: ${models.join(", ")}.`
          : "This org has not been granted any model yet: ask the gateway's operator.";
    } catch (error) {
      orgModels.textContent = "";
    }
  }

  function row(key, money) {
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
    const access = h("button", {
      type: "button",
      class: "small secondary",
      "aria-label": `Access of key ${key.name}`,
    }, "Access");
    access.addEventListener("click", () => accessDialog(key, access));
    return h(
      "tr",
      { dataset: { keyId: key.id } },
      h("th", { scope: "row" }, key.name),
      h("td", {}, h("code", {}, `${key.keyPrefix}…`)),
      h("td", {}, h("ul", { class: "chips", "aria-label": "Scopes" }, key.scopes.map((s) => h("li", {}, s)))),
      h("td", { class: "key-access" }, accessSummary(key)),
      spendCell(key, money),
      budgetCell(key, money),
      h("td", {}, key.env),
      h("td", {}, status, key.expiresAt ? h("p", { class: "hint" }, `Expires ${formatDate(key.expiresAt)}`) : null),
      h("td", {}, timeEl(key.createdAt)),
      h("td", {}, key.lastUsed ? timeEl(key.lastUsed) : "never"),
      h("td", {}, h("div", { class: "row-actions" }, access, remove)),
    );
  }

  function accessSummary(key) {
    const models = key.allowedModels === null ? "the org's models" : key.allowedModels.join(", ") || "no model";
    const limits = [
      key.requestsPerMinute ? `${key.requestsPerMinute} requests/min` : null,
      key.tokensPerMinute ? `${key.tokensPerMinute} tokens/min` : null,
    ].filter(Boolean);
    return [h("span", {}, models), h("p", { class: "hint" }, limits.length ? limits.join(", ") : "the gateway's limits")];
  }

  // The inputs of a key's models and limits, for the new-key and the access dialogs.
  function accessFields(key) {
    const models = h("input", {
      type: "text",
      id: uid("key-models"),
      autocomplete: "off",
      value: key && key.allowedModels ? key.allowedModels.join(", ") : "",
    });
    const rpm = h("input", { type: "number", min: "1", step: "1", id: uid("key-rpm"), value: key && key.requestsPerMinute ? String(key.requestsPerMinute) : "" });
    const tpm = h("input", { type: "number", min: "1", step: "1", id: uid("key-tpm"), value: key && key.tokensPerMinute ? String(key.tokensPerMinute) : "" });
    const body = () => ({
      allowedModels: models.value.trim() ? models.value.split(",").map((m) => m.trim()).filter(Boolean) : null,
      requestsPerMinute: rpm.value ? Number(rpm.value) : null,
      tokensPerMinute: tpm.value ? Number(tpm.value) : null,
    });
    const fields = [
      field("Models (optional)", models, "Comma-separated model names this key may use; empty: every model of the org."),
      h("div", { class: "field-row" },
        field("Requests per minute (optional)", rpm, "Empty: the gateway's limit."),
        field("Tokens per minute (optional)", tpm, "Empty: the gateway's limit.")),
    ];
    return { fields, body, first: models };
  }

  function accessDialog(key, opener) {
    const inputs = accessFields(key);
    const errors = h("div");
    const submit = h("button", { type: "submit", class: "primary" }, "Save access");
    const form = h(
      "form",
      {
        class: "key-form",
        onsubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          try {
            await api("PATCH", `/api/v1/keys/${encodeURIComponent(key.id)}`, { body: inputs.body() });
            dialog.close();
            announce(`Access of key ${key.name} saved.`);
            await load();
            // The list was drawn anew: the focus goes to this key's new "Access" button.
            const again = tbody.querySelector(`tr[data-key-id="${CSS.escape(key.id)}"] button.secondary`);
            if (again) again.focus();
          } catch (error) {
            replace(errors, errorBox(error));
            submit.disabled = false;
          }
        },
      },
      errors,
      inputs.fields,
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
        submit),
    );
    const dialog = openDialog({ title: `Access of “${key.name}”`, body: form, initialFocus: inputs.first, returnFocus: opener });
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
    const access = accessFields(null);
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
                ...access.body(),
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
      access.fields,
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

  await Promise.all([load(), loadOrgModels()]);
}
