// The budgets panel of the usage page: each budget's spend as a progress bar and, for roles that
// may manage budgets (OWNER, ADMIN), creating, changing and deleting them. The API checks every
// change again; the buttons only spare other roles a refusal.

import { api, orgQuery } from "../api.js";
import { confirmDialog, openDialog } from "../dialog.js";
import { errorBox, field, formatMoney, h, replace, select, uid } from "../dom.js";
import { orgNames } from "../names.js";

const MANAGERS = new Set(["OWNER", "ADMIN"]);
const PERIODS = [["monthly", "Monthly"], ["yearly", "Yearly"], ["total", "Total (all time)"]];
const SCOPES = [["org", "The whole org"], ["user", "One member"], ["key", "One API key"]];
// An amount as the API takes it: a decimal string in USD, at most 10 decimals.
const AMOUNT = /^\d{1,10}(\.\d{1,10})?$/;
const MAX_THRESHOLDS = 10;

/** "50, 80 100" → [50, 80, 100]; "" → null (the gateway's defaults); "none" → []; else an
 * error message. */
function parseThresholds(text) {
  const value = text.trim().toLowerCase();
  if (!value) return null;
  if (value === "none") return [];
  const parts = value.split(/[\s,%]+/).filter(Boolean);
  const numbers = parts.map(Number);
  if (!numbers.every((n) => Number.isInteger(n) && n >= 1 && n <= 1000) || numbers.length > MAX_THRESHOLDS) {
    return `Alerts take up to ${MAX_THRESHOLDS} whole percents between 1 and 1000, such as 50, 80, 100.`;
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function keyLabel(key) {
  return key ? `${key.name} (${key.keyPrefix}…)` : "";
}

function thresholdsText(thresholds) {
  if (thresholds === null || thresholds === undefined) return "";
  return thresholds.length ? thresholds.join(", ") : "none";
}

/** Returns {element, load}: the section, and a function that (re)loads its budgets. */
export function budgetsPanel({ member, announce }) {
  const canManage = MANAGERS.has(member.role);
  const list = h("div", { class: "budgets" });
  const newBudget = canManage
    ? h("button", { type: "button", class: "primary", onclick: () => budgetDialog() }, "New budget")
    : null;
  const element = h(
    "section",
    { "aria-labelledby": "budgets-title" },
    h("div", { class: "section-head" }, h("h2", { id: "budgets-title" }, "Budgets"), newBudget),
    list,
  );
  // Who a budget covers, by name rather than id: the org's members and keys, read once.
  let subjects = null;

  async function loadSubjects() {
    if (!canManage) return { users: new Map(), keys: new Map() };
    subjects ||= await orgNames();
    return subjects;
  }

  async function load() {
    try {
      const [answer, names] = await Promise.all([
        api("GET", "/api/v1/budgets", { query: orgQuery() }),
        loadSubjects(),
      ]);
      if (!answer.budgets.length) {
        const how = canManage ? "Create one with “New budget”" : "An admin can create them here";
        replace(list, h("p", { class: "hint" }, `No budgets yet. ${how}, with the API or \`governs budgets\`.`));
        return;
      }
      replace(list, h("ul", { class: "budget-list" }, answer.budgets.map((b) => budgetItem(b, names))));
    } catch (error) {
      replace(list, errorBox(error));
    }
  }

  function alertsText(b) {
    if (b.alertThresholds === null || b.alertThresholds === undefined) return "";
    return b.alertThresholds.length ? `, alerts at ${b.alertThresholds.join(", ")} %` : ", no alerts";
  }

  function scopeText(b, names) {
    if (b.scope === "user") return `member ${names.users.get(b.userId) || b.userId}`;
    if (b.scope === "key") return `key ${keyLabel(names.keys.get(b.apiKeyId)) || b.apiKeyId}`;
    return "whole org";
  }

  function budgetItem(b, names) {
    const amount = Number(b.amount);
    const spent = Number(b.currentSpend);
    // A limit of 0 with any spend at all is over, not "0 %" of nothing.
    const percent = amount > 0 ? Math.round((spent / amount) * 1000) / 10 : spent > 0 ? 100 : 0;
    const level = percent >= 100 ? "over" : percent >= 80 ? "near" : "ok";
    const labelId = `budget-${b.id}`;
    const bar = h(
      "div",
      {
        class: `progress progress-${level}`,
        role: "progressbar",
        "aria-labelledby": labelId,
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        "aria-valuenow": String(Math.min(percent, 100)),
        "aria-valuetext": `${formatMoney(spent)} of ${formatMoney(amount)} (${percent}%)`,
      },
      h("span", { class: "progress-fill" }),
    );
    bar.firstChild.style.width = `${Math.min(percent, 100)}%`;
    const actions = canManage
      ? h(
          "span",
          { class: "row-actions" },
          h("button", { type: "button", class: "small secondary", "aria-label": `Edit budget ${b.name}`, onclick: () => budgetDialog(b, names) }, "Edit"),
          h("button", { type: "button", class: "small danger-outline", "aria-label": `Delete budget ${b.name}`, onclick: () => removeBudget(b) }, "Delete"),
        )
      : null;
    return h(
      "li",
      { class: "budget", dataset: { budgetId: b.id } },
      h(
        "div",
        { class: "budget-head" },
        h("span", { id: labelId, class: "budget-name" }, b.name),
        h("span", { class: "hint" }, `${b.period}, ${scopeText(b, names)}${alertsText(b)}${b.isActive ? "" : ", inactive"}`),
        actions,
      ),
      bar,
      h(
        "p",
        { class: "budget-figures" },
        `${formatMoney(spent)} of ${formatMoney(amount)} spent (${percent}%), ${formatMoney(b.remaining)} left`,
        level === "over" ? h("strong", { class: "over-text" }, " · over budget") : null,
      ),
    );
  }

  /** Create a budget (no `existing`) or change one: its name, limit, period and state. */
  async function budgetDialog(existing, knownNames) {
    if (!existing) subjects = null; // members and keys added since the page opened
    const names = knownNames || (await loadSubjects());
    const name = h("input", { type: "text", id: uid("budget-name"), required: true, maxlength: "200", autocomplete: "off", value: existing?.name });
    const amount = h("input", {
      type: "text",
      id: uid("budget-amount"),
      required: true,
      inputmode: "decimal",
      autocomplete: "off",
      value: existing ? String(Number(existing.amount)) : undefined,
    });
    const period = select(PERIODS, existing?.period || "monthly", { id: uid("budget-period") });
    const active = h("input", { type: "checkbox", id: uid("budget-active"), checked: existing ? existing.isActive : true });
    const alerts = h("input", {
      type: "text",
      id: uid("budget-alerts"),
      autocomplete: "off",
      placeholder: "the gateway's defaults",
      value: thresholdsText(existing?.alertThresholds),
    });
    const scope = select(SCOPES, "org", { id: uid("budget-scope") });
    const userChoice = select([["", "Choose a member"], ...names.users], "", { id: uid("budget-user") });
    const keyChoice = select([["", "Choose a key"], ...[...names.keys].map(([id, key]) => [id, keyLabel(key)])], "", { id: uid("budget-key") });
    const userField = field("Member", userChoice);
    const keyField = field("API key", keyChoice);
    const showSubject = () => {
      userField.hidden = scope.value !== "user";
      keyField.hidden = scope.value !== "key";
    };
    scope.addEventListener("change", showSubject);
    showSubject();
    const errors = h("div");
    const submit = h("button", { type: "submit", class: "primary" }, existing ? "Save budget" : "Create budget");

    async function save(event) {
      event.preventDefault();
      const limit = amount.value.trim();
      if (!name.value.trim()) return refuse("Give the budget a name.", name);
      if (!AMOUNT.test(limit)) return refuse("The limit is an amount in USD, such as 250 or 99.50.", amount);
      const thresholds = parseThresholds(alerts.value);
      if (typeof thresholds === "string") return refuse(thresholds, alerts);
      const body = { name: name.value.trim(), amount: limit, period: period.value, isActive: active.checked };
      // On a change, an emptied field means "back to the defaults": say so with null.
      if (thresholds !== null || existing) body.alertThresholds = thresholds;
      if (!existing) {
        Object.assign(body, orgQuery());
        if (scope.value === "user") {
          if (!userChoice.value) return refuse("Choose the member this budget covers.", userChoice);
          body.userId = userChoice.value;
        }
        if (scope.value === "key") {
          if (!keyChoice.value) return refuse("Choose the API key this budget covers.", keyChoice);
          body.apiKeyId = keyChoice.value;
        }
      }
      submit.disabled = true;
      try {
        if (existing) await api("PATCH", `/api/v1/budgets/${encodeURIComponent(existing.id)}`, { body });
        else await api("POST", "/api/v1/budgets", { body });
        dialog.close();
        announce(`Budget ${body.name} ${existing ? "saved" : "created"}.`);
        await load();
      } catch (error) {
        replace(errors, errorBox(error));
        submit.disabled = false;
      }
    }

    function refuse(message, control) {
      replace(errors, errorBox({ message }));
      control.focus();
    }

    const scopeFields = existing
      ? h("p", { class: "hint" }, `Covers the ${scopeText(existing, names)}. To cover something else, create another budget.`)
      : h("div", { class: "field-row" }, field("Applies to", scope), userField, keyField);
    const form = h(
      "form",
      { class: "budget-form", novalidate: true, onsubmit: save },
      errors,
      field("Name", name, "What the budget is for, e.g. Support bot, monthly."),
      h("div", { class: "field-row" },
        field("Limit (USD)", amount, "Requests that would go over it are refused."),
        field("Period", period, "Calendar months and years, in UTC.")),
      scopeFields,
      field("Alert at (% of the limit)", alerts, "An audit entry and the webhook at each, e.g. 50, 80, 100. Empty: the gateway's defaults; none: no alerts."),
      h("div", { class: "check" }, active, h("label", { for: active.id }, "Active: enforce this budget")),
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
        submit),
    );
    const dialog = openDialog({
      title: existing ? `Budget “${existing.name}”` : "New budget",
      body: form,
      initialFocus: name,
      returnFocus: newBudget,
    });
  }

  async function removeBudget(b) {
    const sure = await confirmDialog({
      title: `Delete the budget “${b.name}”?`,
      message: "Requests it covers are no longer limited by it. Its usage stays recorded.",
      confirmLabel: "Delete budget",
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `/api/v1/budgets/${encodeURIComponent(b.id)}`);
      announce(`Budget ${b.name} deleted.`);
      await load();
      newBudget?.focus();
    } catch (error) {
      replace(list, errorBox(error));
    }
  }

  return { element, load };
}
