// The health pill in the header: GET /api/health for the current org, every 30 s.
// It is a <details> element: the summary shows the status as a word (never by colour alone),
// opening it lists the figures. A visually hidden live region announces status changes only.

import { api, orgQuery } from "./api.js";
import { formatNumber, formatTime, h, replace } from "./dom.js";

export const HEALTH_REFRESH_MS = 30000;
const LABELS = { healthy: "Healthy", warning: "Warning", error: "Error", unknown: "Unknown" };

export function healthPill() {
  const label = h("span", { class: "pill-label" }, "Checking…");
  const figures = h("dl", { class: "pill-figures" });
  const announcer = h("span", { class: "sr-only", role: "status", "aria-live": "polite" });
  const element = h(
    "details",
    { class: "health-pill", dataset: { status: "unknown" } },
    h(
      "summary",
      {},
      h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { class: "sr-only" }, "Gateway health: "),
      label,
    ),
    h("div", { class: "pill-panel" }, figures),
    announcer,
  );
  let timer = null;
  let last = null;

  async function refresh() {
    let status = "unknown";
    let body = null;
    try {
      body = await api("GET", "/api/health", { query: orgQuery() });
      status = body.status in LABELS ? body.status : "unknown";
    } catch (error) {
      body = { error: error.message };
    }
    element.dataset.status = status;
    label.textContent = LABELS[status];
    element.dataset.checkedAt = new Date().toISOString();
    replace(
      figures,
      body.error
        ? [h("dt", {}, "Problem"), h("dd", {}, body.error)]
        : [
            h("dt", {}, "Last decision"),
            h("dd", {}, body.lastIngestTime ? formatTime(body.lastIngestTime) : "none yet"),
            h("dt", {}, "Decisions stored"),
            h("dd", {}, body.totalDecisions === null ? "unknown" : formatNumber(body.totalDecisions)),
            h("dt", {}, "Error rate (5 min)"),
            h("dd", {}, `${(Number(body.errorRate || 0) * 100).toFixed(1)}%`),
            h("dt", {}, "Waiting to be written"),
            h("dd", {}, formatNumber(body.dlqCount)),
          ],
    );
    if (last !== null && last !== status) announcer.textContent = `Gateway health: ${LABELS[status]}`;
    last = status;
  }

  return {
    element,
    start() {
      refresh();
      timer = setInterval(refresh, HEALTH_REFRESH_MS);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
