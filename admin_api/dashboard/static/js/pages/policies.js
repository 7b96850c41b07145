// Policies: the org's policies and the editor of one: its settings, its active switch and the
// tool access matrix (rows: tools, with a `default` row for tools not listed; columns: PII
// classes, with "other classes" for the classes a row does not list; each cell one action).

import { api, orgQuery } from "../api.js";
import { confirmDialog } from "../dialog.js";
import { errorBox, field, h, replace, select, uid } from "../dom.js";

export const PII_CLASSES = ["email", "phone", "ssn", "credit_card", "date_of_birth", "ip_address", "iban", "name", "address"];
const DEFAULT = "default";
const ACTIONS = [
  ["", "—"],
  ["pass_through", "pass"],
  ["tokenize", "tokenize"],
  ["mask", "mask"],
  ["remove", "remove"],
  ["deny", "deny"],
];
const ACTION_HELP = [
  ["pass", "pass_through: sent as it is"],
  ["tokenize", "replaced by a placeholder such as <EMAIL_1>, restored in the answer"],
  ["mask", "partly hidden, e.g. j***@example.com"],
  ["remove", "replaced by [REDACTED_EMAIL]"],
  ["deny", "the request is refused (403)"],
  ["—", "not set: the row's “other classes” cell, else the default row, decides"],
];

export async function render(main, { announce }) {
  let policies = [];
  let current = null; // the policy being edited; null: a new one
  let dirty = false;
  const heading = h("h1", {}, "Policies");
  const newButton = h("button", { type: "button", class: "primary", onclick: () => choose(null) }, "New policy");
  const list = h("ul", { class: "policy-list" });
  const editor = h("section", { class: "policy-editor", "aria-labelledby": "editor-title" });
  const errorSlot = h("div");
  replace(
    main,
    h("div", { class: "page-head" }, heading, newButton),
    h("p", { class: "lead" }, "What each tool may send to a provider, per kind of personal data. The org's active policy of highest priority applies, within a second of saving."),
    errorSlot,
    h("div", { class: "policies-layout" }, h("nav", { "aria-label": "Policies of this org" }, list), editor),
  );

  async function load(selectId) {
    try {
      policies = await api("GET", "/api/v1/policies", { query: orgQuery() });
      replace(errorSlot);
    } catch (error) {
      replace(errorSlot, errorBox(error));
      return;
    }
    drawList();
    const chosen = policies.find((p) => p.id === selectId) || policies[0] || null;
    edit(chosen);
  }

  function drawList() {
    replace(
      list,
      policies.length
        ? policies.map((p) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "policy-item",
                  "aria-current": current && current.id === p.id ? "true" : false,
                  onclick: () => choose(p),
                },
                h("span", { class: "policy-name" }, p.name),
                h("span", { class: `badge ${p.isActive ? "badge-allow" : "badge-muted"}` }, p.isActive ? "active" : "inactive"),
                h("span", { class: "hint" }, `priority ${p.priority}`),
              ),
            ),
          )
        : h("li", { class: "hint" }, "No policies yet."),
    );
  }

  async function choose(policy) {
    if (dirty) {
      const discard = await confirmDialog({
        title: "Discard your changes?",
        message: "The policy you are editing has changes that are not saved.",
        confirmLabel: "Discard changes",
        danger: true,
      });
      if (!discard) return;
    }
    edit(policy);
    editor.querySelector("input")?.focus();
  }

  // -- the editor -----------------------------------------------------------------------------
  function edit(policy) {
    current = policy;
    dirty = false;
    drawList();
    const source = policy || {
      name: "",
      description: "",
      priority: 0,
      onError: "block",
      outputTool: null,
      isActive: true,
      toolAccessMatrix: { [DEFAULT]: {} },
      customRules: [],
    };
    const matrix = source.toolAccessMatrix || {};
    const rows = Object.entries(matrix).map(([tool, cells]) => ({ tool, cells: { ...cells } }));
    if (!rows.some((r) => r.tool === DEFAULT)) rows.push({ tool: DEFAULT, cells: {} });
    rows.sort((a, b) => (a.tool === DEFAULT) - (b.tool === DEFAULT)); // the default row last
    const extra = new Set((source.customRules || []).map((r) => r.class));
    for (const row of rows) for (const cls of Object.keys(row.cells)) extra.add(cls);
    const columns = [...PII_CLASSES, ...[...extra].filter((c) => !PII_CLASSES.includes(c) && c !== DEFAULT).sort(), DEFAULT];

    const name = h("input", { type: "text", id: "policy-name", required: true, maxlength: "200", value: source.name });
    const description = h("input", { type: "text", id: "policy-description", maxlength: "1000", value: source.description || "" });
    const priority = h("input", { type: "number", id: "policy-priority", step: "1", value: String(source.priority ?? 0) });
    const onError = select([["block", "block the request"], ["pass", "let it through unchecked"]], source.onError, { id: "policy-on-error" });
    const outputTool = h("input", { type: "text", id: "policy-output-tool", placeholder: "ai.generate", value: source.outputTool || "" });
    let active = Boolean(source.isActive);
    const activeSwitch = h(
      "button",
      { type: "button", role: "switch", class: "switch", id: "policy-active", "aria-checked": String(active), onclick: toggleActive },
      h("span", { class: "switch-track", "aria-hidden": "true" }),
      h("span", { class: "switch-text" }, active ? "Active" : "Inactive"),
    );
    const matrixBody = h("tbody");
    const newTool = h("input", { type: "text", id: "new-tool", placeholder: "e.g. support.reply", maxlength: "200", autocomplete: "off" });
    const formErrors = h("div");
    const unsaved = h("span", { class: "unsaved", role: "status" });
    const saveButton = h("button", { type: "submit", class: "primary" }, policy ? "Save policy" : "Create policy");

    function cellSelect(row, cls) {
      const id = uid("cell");
      const value = row.cells[cls] || "";
      const control = select(ACTIONS, value, {
        id,
        class: "cell-select",
        dataset: { path: `${row.tool}.${cls}`, action: value },
        onchange: (event) => {
          const chosen = event.target.value;
          if (chosen) row.cells[cls] = chosen;
          else delete row.cells[cls];
          event.target.dataset.action = chosen;
          markDirty();
        },
      });
      const classLabel = cls === DEFAULT ? "other classes" : cls;
      return h("td", {}, h("label", { for: id, class: "sr-only" }, `${row.tool}: ${classLabel}`), control);
    }

    function drawMatrix() {
      replace(
        matrixBody,
        rows.map((row, index) =>
          h(
            "tr",
            { dataset: { tool: row.tool } },
            h("th", { scope: "row" }, row.tool === DEFAULT ? h("span", {}, "default", h("span", { class: "hint block" }, "tools not listed")) : row.tool),
            columns.map((cls) => cellSelect(row, cls)),
            h(
              "td",
              {},
              row.tool === DEFAULT
                ? null
                : h("button", {
                    type: "button",
                    class: "icon-button",
                    "aria-label": `Remove tool ${row.tool}`,
                    onclick: () => {
                      rows.splice(index, 1);
                      markDirty();
                      drawMatrix();
                      newTool.focus();
                    },
                  }, "×"),
            ),
          ),
        ),
      );
    }

    function addTool() {
      const tool = newTool.value.trim();
      replace(formErrors);
      if (!tool) {
        replace(formErrors, errorBox({ message: "Type the tool's name first." }));
        newTool.focus();
        return;
      }
      if (rows.some((r) => r.tool === tool)) {
        replace(formErrors, errorBox({ message: `The matrix has a row for ${tool} already.` }));
        newTool.focus();
        return;
      }
      rows.splice(rows.length - 1, 0, { tool, cells: {} }); // before the default row
      newTool.value = "";
      markDirty();
      drawMatrix();
      matrixBody.querySelector(`tr[data-tool="${CSS.escape(tool)}"] select`)?.focus();
    }

    function markDirty() {
      dirty = true;
      unsaved.textContent = "Unsaved changes";
    }

    async function toggleActive() {
      active = !active;
      activeSwitch.setAttribute("aria-checked", String(active));
      activeSwitch.querySelector(".switch-text").textContent = active ? "Active" : "Inactive";
      if (!current) {
        markDirty();
        return;
      }
      try {
        const path = `/api/v1/policies/${encodeURIComponent(current.id)}`;
        const changed = await orReplace(current.name, (query) => api("PATCH", path, { query, body: { isActive: active } }));
        if (!changed) {
          active = !active;
          activeSwitch.setAttribute("aria-checked", String(active));
          activeSwitch.querySelector(".switch-text").textContent = active ? "Active" : "Inactive";
          return;
        }
        Object.assign(current, changed);
        drawList();
        announce(`Policy ${current.name} ${active ? "activated" : "deactivated"}.`);
      } catch (error) {
        replace(formErrors, errorBox(error));
      }
    }

    function matrixOut() {
      const out = {};
      for (const row of rows) {
        const emptyDefault = row.tool === DEFAULT && !Object.keys(row.cells).length && !(DEFAULT in matrix);
        if (!emptyDefault) out[row.tool] = { ...row.cells };
      }
      return out;
    }

    async function save(event) {
      event.preventDefault();
      replace(formErrors);
      const body = {
        name: name.value.trim(),
        description: description.value.trim() || null,
        priority: Number(priority.value || 0),
        onError: onError.value,
        outputTool: outputTool.value.trim() || null,
        toolAccessMatrix: matrixOut(),
      };
      saveButton.disabled = true;
      try {
        let saved;
        if (current) {
          saved = await api("PATCH", `/api/v1/policies/${encodeURIComponent(current.id)}`, { body });
        } else {
          if (!body.description) delete body.description;
          if (!body.outputTool) delete body.outputTool;
          saved = await orReplace(body.name, (query) => api("POST", "/api/v1/policies", { query, body: { ...orgQuery(), ...body, isActive: active } }));
          if (!saved) {
            saveButton.disabled = false;
            return;
          }
        }
        dirty = false;
        announce(`Policy ${saved.name} saved.`);
        await load(saved.id);
        editor.querySelector("#policy-name")?.focus();
      } catch (error) {
        replace(formErrors, errorBox(error));
        const path = (error.param || "").replace(/^toolAccessMatrix\./, "");
        const target = editor.querySelector(`[data-path="${CSS.escape(path)}"]`) || name;
        target.focus();
        saveButton.disabled = false;
      }
    }

    // Activating a policy next to an active one is an explicit choice (409 active_policy_exists):
    // replace the others, or cancel and give this one a priority of its own. Null: cancelled.
    async function orReplace(policyName, send) {
      try {
        return await send(undefined);
      } catch (error) {
        if (error.code !== "active_policy_exists") throw error;
        const sure = await confirmDialog({
          title: `Replace the active policy with “${policyName}”?`,
          message: `${error.message}. Replacing switches the other active policies off; to keep them, cancel and set a priority.`,
          confirmLabel: "Replace",
        });
        return sure ? await send({ replace: "true" }) : null;
      }
    }

    async function removePolicy() {
      const sure = await confirmDialog({
        title: `Delete the policy “${current.name}”?`,
        message: "It stops applying within a second. This cannot be undone.",
        confirmLabel: "Delete policy",
        danger: true,
      });
      if (!sure) return;
      try {
        await api("DELETE", `/api/v1/policies/${encodeURIComponent(current.id)}`);
        announce(`Policy ${current.name} deleted.`);
        dirty = false;
        await load();
        newButton.focus();
      } catch (error) {
        replace(formErrors, errorBox(error));
      }
    }

    drawMatrix();
    replace(
      editor,
      h(
        "form",
        {
          onsubmit: save,
          oninput: (event) => {
            if (event.target !== newTool) markDirty(); // typing a new tool's name changes nothing yet
          },
          "aria-labelledby": "editor-title",
        },
        h(
          "div",
          { class: "editor-head" },
          h("h2", { id: "editor-title" }, policy ? `Edit “${policy.name}”` : "New policy"),
          h("div", { class: "switch-field" }, h("span", { id: "active-label" }, "Applies now"), activeSwitch),
        ),
        formErrors,
        h(
          "div",
          { class: "field-grid" },
          field("Name", name),
          field("Description", description),
          field("Priority", priority, "The active policy with the highest priority applies."),
          field("When PII detection fails", onError),
          field("Output tool", outputTool, "The row applied to what the model writes."),
        ),
        h("h3", { id: "matrix-title" }, "Tool access matrix"),
        h(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "matrix-title" },
          h(
            "table",
            { class: "matrix" },
            h("caption", { class: "sr-only" }, "Action per tool (rows) and PII class (columns)"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Tool"),
                columns.map((cls) => h("th", { scope: "col" }, cls === DEFAULT ? "other classes" : cls)),
                h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Remove")),
              ),
            ),
            matrixBody,
          ),
        ),
        h(
          "div",
          { class: "add-tool" },
          field("Add a tool row", newTool),
          h("button", { type: "button", class: "secondary", onclick: addTool }, "Add tool"),
        ),
        h("details", { class: "legend" }, h("summary", {}, "What the actions do"),
          h("dl", {}, ACTION_HELP.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
        source.customRules?.length
          ? h("p", { class: "hint" }, `Custom classes: ${source.customRules.map((r) => `${r.class} (${r.pattern})`).join(", ")}`)
          : null,
        h(
          "div",
          { class: "form-actions" },
          saveButton,
          unsaved,
          current ? h("button", { type: "button", class: "danger-outline", onclick: removePolicy }, "Delete policy") : null,
        ),
      ),
    );
    activeSwitch.setAttribute("aria-labelledby", "active-label");
    newTool.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addTool();
      }
    });
  }

  await load();
}
