// Modal dialogs and the side drawer, on the native <dialog> element: showModal() makes the rest
// of the page inert (focus stays inside) and Escape closes it. When one closes, focus goes back
// to the control that opened it (or to `returnFocus` when that control is gone).

import { h, uid } from "./dom.js";

/**
 * openDialog({title, body, actions, kind, onClose, returnFocus, initialFocus})
 * `initialFocus`: an element, or the index of an action button; default: the close button.
 * `actions`: [{label, variant: "primary"|"danger"|undefined, onClick}] in the footer; an action
 * closes the dialog unless its onClick answers false. Returns {element, close}.
 */
export function openDialog({
  title,
  body,
  actions = [],
  kind = "modal",
  onClose,
  returnFocus,
  initialFocus,
  describedBy,
}) {
  const opener = document.activeElement;
  const titleId = uid("dialog-title");
  const closeButton = h("button", { type: "button", class: "icon-button", "aria-label": "Close" }, "×");
  const buttons = actions.map((action) =>
    h(
      "button",
      {
        type: "button",
        class: action.variant || "secondary",
        onclick: async () => {
          const keep = (await action.onClick?.()) === false;
          if (!keep) close();
        },
      },
      action.label,
    ),
  );
  const footer = buttons.length ? h("div", { class: "dialog-actions" }, buttons) : null;
  const element = h(
    "dialog",
    { class: `dialog dialog-${kind}`, "aria-labelledby": titleId, "aria-describedby": describedBy },
    h("div", { class: "dialog-head" }, h("h2", { id: titleId }, title), closeButton),
    h("div", { class: "dialog-body" }, body),
    footer,
  );
  let closed = false;
  function close() {
    if (element.open) element.close();
  }
  // "close" fires for Escape, the close button, an action or close() alike: clean up once.
  element.addEventListener("close", () => {
    if (closed) return;
    closed = true;
    element.remove();
    onClose?.();
    const target = opener && opener.isConnected && opener !== document.body ? opener : returnFocus;
    target?.focus();
  });
  closeButton.addEventListener("click", close);
  // A click on the backdrop (outside the dialog's box) closes it too.
  element.addEventListener("click", (event) => {
    if (event.target !== element) return;
    const box = element.getBoundingClientRect();
    const inside =
      event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) close();
  });
  // A link to another console page (a decision's key or usage) leaves the dialog behind: close it.
  element.addEventListener("click", (event) => {
    if (event.target.closest?.('a[href^="#/"]')) close();
  });
  document.body.append(element);
  element.showModal();
  const first = typeof initialFocus === "number" ? buttons[initialFocus] : initialFocus;
  (first || closeButton).focus();
  return { element, close };
}

/** A yes/no question; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = "Confirm", danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const messageId = uid("confirm-text");
    openDialog({
      title,
      describedBy: messageId,
      body: h("p", { id: messageId }, message),
      actions: [
        { label: "Cancel" },
        {
          label: confirmLabel,
          variant: danger ? "danger" : "primary",
          onClick: () => {
            answer = true;
          },
        },
      ],
      initialFocus: 0, // Cancel: Enter on a destructive question should not destroy
      onClose: () => resolve(answer),
    });
  });
}
