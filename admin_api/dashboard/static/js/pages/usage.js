// Usage and budgets: spend over time and by model, provider and user (SVG charts), the org's
// budgets (pages/budgets.js), and the usage report as CSV.

import { api, orgQuery, session } from "../api.js";
import { barList, columnChart } from "../charts.js";
import { errorBox, field, formatMoney, formatNumber, h, isoDay, replace, select } from "../dom.js";
import { budgetsPanel } from "./budgets.js";

const GROUPS = [["day", "Day"], ["week", "Week"], ["month", "Month"]];
const CSV_BY = [["model", "model"], ["provider", "provider"], ["user", "user"], ["key", "API key"], ["tool", "tool"], ["endUser", "end user (the request's user field)"]];
const DAY_MS = 24 * 3600 * 1000;

// `#/usage?apiKeyId=…` (a decision's link) narrows every chart and the export to that key.
function keyFilter() {
  const params = new URLSearchParams(window.location.hash.split("?")[1] || "");
  return params.get("apiKeyId") || null;
}

export async function render(main, { member, announce }) {
  const today = new Date();
  const apiKeyId = keyFilter();
  const from = h("input", { type: "date", id: "usage-from", value: isoDay(new Date(today.getTime() - 29 * DAY_MS)) });
  const to = h("input", { type: "date", id: "usage-to", value: isoDay(today) });
  const groupBy = select(GROUPS, "day", { id: "usage-group" });
  const csvBy = select(CSV_BY, "model", { id: "usage-csv-by" });
  const exportButton = h("button", { type: "button", class: "secondary", onclick: exportCsv }, "Export CSV");
  const exportStatus = h("span", { class: "copied", role: "status" });
  const totals = h("section", { class: "stats", "aria-label": "Totals for this range" });
  const charts = h("div", { class: "charts" });
  const budgets = budgetsPanel({ member, announce });
  const errorSlot = h("div");
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "Usage and budgets")),
    apiKeyId
      ? h("p", { class: "hint", id: "usage-key-filter" }, "Only the usage of the key ", h("code", {}, apiKeyId), ". ",
        h("a", { href: "#/usage" }, "Show every key"))
      : null,
    h(
      "form",
      { class: "filters", "aria-label": "Usage range", onsubmit: (e) => { e.preventDefault(); load(); } },
      field("From", from),
      field("To", to),
      field("Group by", groupBy),
      h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary" }, "Show")),
    ),
    errorSlot,
    totals,
    charts,
    budgets.element,
    h(
      "section",
      { class: "export", "aria-labelledby": "export-title" },
      h("h2", { id: "export-title" }, "Export"),
      h("p", { class: "hint" }, "The usage report for the range above, one row per period and value, as CSV."),
      h("div", { class: "export-row" }, field("Rows by", csvBy), exportButton, exportStatus),
    ),
  );

  function range() {
    // Whole UTC days (to the last microsecond): the API answers them from its rollups.
    const days = { from: `${from.value}T00:00:00Z`, to: `${to.value}T23:59:59.999999Z`, groupBy: groupBy.value };
    return apiKeyId ? { ...days, apiKeyId } : days;
  }

  /** Every period of the range (its first day, as the API names it), with or without usage. */
  function periods() {
    const out = [];
    const end = new Date(`${to.value}T00:00:00Z`);
    let day = new Date(`${from.value}T00:00:00Z`);
    if (groupBy.value === "week") day = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
    if (groupBy.value === "month") day = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
    while (day <= end && out.length < 400) {
      out.push(isoDay(day));
      if (groupBy.value === "month") day = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1));
      else day = new Date(day.getTime() + (groupBy.value === "week" ? 7 : 1) * DAY_MS);
    }
    return out;
  }

  async function report(by) {
    return api("GET", "/api/v1/usage", { query: orgQuery({ ...range(), by }) });
  }

  async function userNames() {
    // Emails read better than ids; only roles that may read members get them.
    if (!["OWNER", "ADMIN"].includes(member.role)) return {};
    try {
      const answer = await api("GET", `/api/v1/orgs/${encodeURIComponent(session.org)}/members`);
      return Object.fromEntries((answer.members || []).map((m) => [m.userId, m.email || m.userId]));
    } catch {
      return {};
    }
  }

  // Each load is numbered: an answer to a load a later one superseded (another range or
  // grouping asked for meanwhile) is dropped, whatever order the answers arrive in.
  let loads = 0;

  async function load() {
    const mine = ++loads;
    charts.setAttribute("aria-busy", "true");
    try {
      const [byModel, byProvider, byUser, names] = await Promise.all([
        report("model"),
        report("provider"),
        report("user"),
        userNames(),
      ]);
      if (mine !== loads) return;
      replace(errorSlot);
      const overTime = new Map(periods().map((period) => [period, 0]));
      for (const row of byProvider.rows) overTime.set(row.period, (overTime.get(row.period) || 0) + Number(row.cost));
      // A report has a row per period and value: add the periods up per value.
      const spend = (rows, label) => {
        const sums = new Map();
        for (const row of rows) sums.set(row.key, (sums.get(row.key) || 0) + Number(row.cost));
        return [...sums].map(([key, value]) => ({ label: label(key), value }));
      };
      const t = byModel.totals;
      replace(
        totals,
        stat("Spend", formatMoney(t.cost)),
        stat("Requests", formatNumber(t.requests)),
        stat("Input tokens", formatNumber(t.inputTokens)),
        stat("Output tokens", formatNumber(t.outputTokens)),
        // Answers from the response cache cost nothing: what they would have cost is saved.
        ...(t.cacheHits ? [stat("Saved by the cache", formatMoney(t.saved))] : []),
      );
      replace(
        charts,
        h("div", { class: "chart-wide" }, columnChart({
          title: `Spend per ${groupBy.value}`,
          points: [...overTime.entries()].sort().map(([label, value]) => ({ label, value })),
          format: formatMoney,
          emptyMessage: "No usage in this range.",
        })),
        barList({ title: "Spend by model", items: spend(byModel.rows, (k) => k || "unknown"), format: formatMoney, emptyMessage: "No priced usage in this range." }),
        barList({ title: "Spend by provider", items: spend(byProvider.rows, (k) => k || "unknown"), format: formatMoney, emptyMessage: "No priced usage in this range." }),
        barList({ title: "Spend by user", items: spend(byUser.rows, (k) => (k ? names[k] || k : "keys without a user")), format: formatMoney, emptyMessage: "No priced usage in this range." }),
      );
      if (t.cacheHits) {
        const n = t.cacheHits;
        const text = n === 1
          ? `1 request was answered from the response cache, saving ${formatMoney(t.saved)}.`
          : `${formatNumber(n)} requests were answered from the response cache, saving ${formatMoney(t.saved)}.`;
        charts.append(h("p", { class: "hint chart-wide" }, text));
      }
      if (t.unpricedRequests) {
        const n = t.unpricedRequests;
        const text = n === 1
          ? "1 request used a model without a price: it adds nothing to the spend."
          : `${formatNumber(n)} requests used models without a price: they add nothing to the spend.`;
        charts.append(h("p", { class: "hint chart-wide" }, text));
      }
    } catch (error) {
      if (mine === loads) replace(errorSlot, errorBox(error));
    } finally {
      if (mine === loads) charts.removeAttribute("aria-busy");
    }
    if (mine === loads) budgets.load();
  }

  function stat(label, value) {
    return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("span", { class: "stat-value" }, value));
  }

  async function exportCsv() {
    exportButton.disabled = true;
    exportStatus.textContent = "Preparing the CSV…";
    try {
      const response = await api("GET", "/api/v1/usage", {
        query: orgQuery({ ...range(), by: csvBy.value, format: "csv" }),
        raw: true,
      });
      const blob = await response.blob();
      const link = h("a", { href: URL.createObjectURL(blob), download: `usage-${from.value}-to-${to.value}-by-${csvBy.value}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      setTimeout(() => {
        URL.revokeObjectURL(link.href);
        link.remove();
      }, 1000);
      exportStatus.textContent = "CSV downloaded.";
    } catch (error) {
      exportStatus.textContent = `Export failed: ${error.message}`;
    } finally {
      exportButton.disabled = false;
    }
  }

  await load();
}
