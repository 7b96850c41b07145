// The card layout of the screens shown without the console's header (sign-in, and the screens
// the mails link to), and a form whose submit button stays disabled while its action runs.

import { h, replace } from "./dom.js";

/** Fill `main` with one centred card; answers the card element. */
export function card(main, ...children) {
  const element = h(
    "section",
    { class: "login-card", "aria-labelledby": "card-title" },
    h("p", { class: "brand-mark", "aria-hidden": "true" }, "GovernsAI"),
    children,
  );
  replace(main, h("div", { class: "login-page" }, element));
  return element;
}

/** A form whose submit button is disabled (and marked busy) while `action` runs. */
export function busyForm(submitLabel, fields, action, labelledBy = "card-title") {
  const submit = h("button", { type: "submit", class: "primary wide" }, submitLabel);
  return h(
    "form",
    {
      "aria-labelledby": labelledBy,
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        submit.setAttribute("aria-busy", "true");
        try {
          await action();
        } finally {
          submit.disabled = false;
          submit.removeAttribute("aria-busy");
        }
      },
    },
    fields,
    submit,
  );
}
