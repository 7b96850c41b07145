// Tiny DOM helpers and formatters shared by every page. No framework: `h` builds elements,
// and everything user- or server-provided goes in as text (never as HTML).

let nextId = 0;

/** A unique element id with a readable prefix (for label `for`, aria-labelledby...). */
export function uid(prefix = "id") {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * h("button", {class: "primary", onclick: fn, "aria-label": "Close"}, "×")
 * Attributes: `class`, `text`, `dataset` (object), `on<event>` (functions), booleans (set when
 * true, left out when false), anything else with setAttribute. Children: nodes, strings,
 * numbers, arrays of those; null/undefined/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.setAttribute("class", value);
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "value" && "value" in el) el.value = value;
    else if (name === "checked" || name === "selected") el[name] = Boolean(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace everything inside `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form field: label above the control, optional hint tied by aria-describedby. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid("field");
  const parts = [h("label", { for: control.id }, labelText), control];
  if (hint) {
    const hintId = uid("hint");
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  return h("div", { class: "field" }, parts);
}

/** A <select> from [[value, label], ...]. */
export function select(options, value, attrs = {}) {
  return h(
    "select",
    attrs,
    options.map(([optionValue, label]) =>
      h("option", { value: optionValue, selected: optionValue === value }, label),
    ),
  );
}

/**
 * copyButton(label, text, {className, attrs, before, done, failed}) → [button, status]: a
 * button that copies `text()` to the clipboard, and a live status beside it saying how it went
 * (a page without clipboard access gets `failed`, which tells the user what to do instead).
 */
export function copyButton(
  label,
  text,
  {
    className = "secondary",
    attrs = {},
    before,
    done = "Copied.",
    failed = "Copying is not allowed here: select the text instead.",
  } = {},
) {
  const status = h("span", { class: "copied", role: "status" });
  const button = h("button", {
    type: "button",
    class: className,
    ...attrs,
    onclick: async () => {
      before?.();
      try {
        await navigator.clipboard.writeText(text());
        status.textContent = done;
      } catch {
        status.textContent = failed;
      }
    },
  }, label);
  return [button, status];
}

/** An inline error box (role=alert, so screen readers hear it at once). */
export function errorBox(error) {
  return h("div", { class: "alert", role: "alert" }, describeError(error));
}

export function describeError(error) {
  if (!error) return "";
  const where = error.param ? ` (${error.param})` : "";
  return `${error.message || String(error)}${where}`;
}

// -- formatters -------------------------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const dateOnly = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "2-digit" });

export function formatTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function formatDate(iso) {
  return iso ? dateOnly.format(new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso)) : "—";
}

/** Money arrives as a Decimal string in USD; shown with 2 decimals, or 4 below one cent. */
export function formatMoney(amount) {
  const value = Number(amount || 0);
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return `$${value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

export function formatNumber(value) {
  return Number(value || 0).toLocaleString();
}

/** A <time> element: the local time as text, the ISO instant as its datetime. */
export function timeEl(iso) {
  return h("time", { datetime: iso || "" }, formatTime(iso));
}

/** `YYYY-MM-DD` of a Date, in UTC. */
export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** The value of an <input type="datetime-local"> (local time) as ISO 8601 UTC, or "". */
export function localInputToIso(value) {
  return value ? new Date(value).toISOString() : "";
}
