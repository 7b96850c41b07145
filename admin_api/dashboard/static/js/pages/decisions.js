// Decisions: the org's decisions, newest first, with filters, counts, pages and a detail drawer;
// new decisions arrive live over /ws and are put on top of the first page as they happen. Under
// the table, who is connected to the live feed and what they did (/api/websockets/*).

import { api, orgQuery, session } from "../api.js";
import { openDialog } from "../dialog.js";
import { copyButton, errorBox, field, formatMoney, formatNumber, formatTime, h, localInputToIso, replace, select, timeEl } from "../dom.js";
import { LiveFeed } from "../live.js";

const DIRECTIONS = [["", "Any direction"], ["precheck", "precheck"], ["postcheck", "postcheck"]];
const VERDICTS = [["", "Any decision"], ["allow", "allow"], ["transform", "transform"], ["deny", "deny"], ["error", "error"]];
const PAGE_SIZES = [["25", "25"], ["50", "50"], ["100", "100"]];
// Each card and the spec's stats.byDecision key it shows ("total" is stats.total).
const STAT_FOR = { allowed: "allow", transformed: "transform", denied: "deny" };
const CONNECTIONS_REFRESH_MS = 30_000;
const ACTIVITY_SHOWN = 20;
const LIVE_TEXT = {
  connecting: "Connecting to the live feed…",
  live: "Live: new decisions appear as they are made",
  reconnecting: "Live feed interrupted: reconnecting…",
  error: "Live feed refused",
};

export async function render(main) {
  const state = {
    filters: { direction: "", decision: "", tool: "", from: "", to: "" },
    pageSize: 50,
    cursors: [], // the cursors of the pages before this one (empty: the first page)
    cursor: null,
    nextCursor: null,
    stats: null,
    shown: new Set(),
    waiting: 0, // live decisions not shown (paused, or not on the first page)
    stale: false, // live rows moved rows off the first page since it was loaded
  };

  // -- layout ---------------------------------------------------------------------------------
  const direction = select(DIRECTIONS, "", { id: "filter-direction" });
  const verdict = select(VERDICTS, "", { id: "filter-decision" });
  const tool = h("input", { type: "text", id: "filter-tool", list: "known-tools", autocomplete: "off" });
  const tools = h("datalist", { id: "known-tools" });
  const from = h("input", { type: "datetime-local", id: "filter-from", step: "1" });
  const to = h("input", { type: "datetime-local", id: "filter-to", step: "1" });
  const pageSize = select(PAGE_SIZES, String(state.pageSize), { id: "page-size" });
  const filters = h(
    "form",
    { class: "filters", "aria-label": "Filter decisions", onsubmit: (e) => { e.preventDefault(); applyFilters(); } },
    field("Direction", direction),
    field("Decision", verdict),
    field("Tool", tool),
    tools,
    field("From", from),
    field("To", to),
    field("Rows per page", pageSize),
    h(
      "div",
      { class: "filter-actions" },
      h("button", { type: "submit", class: "primary" }, "Apply filters"),
      h("button", { type: "button", class: "secondary", onclick: clearFilters }, "Clear"),
    ),
  );
  const cards = {
    total: h("span", { class: "stat-value" }, "–"),
    allowed: h("span", { class: "stat-value" }, "–"),
    transformed: h("span", { class: "stat-value" }, "–"),
    denied: h("span", { class: "stat-value" }, "–"),
  };
  const statCard = (key, label) =>
    h("div", { class: `stat stat-${key}`, dataset: { stat: key } }, h("span", { class: "stat-label" }, label), cards[key]);
  const liveText = h("span", {}, LIVE_TEXT.connecting);
  const liveStatus = h("p", { class: "live-status", role: "status", dataset: { state: "connecting" } },
    h("span", { class: "dot", "aria-hidden": "true" }), liveText);
  const follow = h("input", { type: "checkbox", id: "follow-live", checked: true });
  const waitingButton = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => firstPage() });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "decisions-table" },
    h("caption", { class: "sr-only" }, "Decisions, newest first"),
    h(
      "thead",
      {},
      h("tr", {}, ["Time", "Direction", "Decision", "Who", "Model", "Reason", "Tool", "PII found", "Latency", "Correlation ID", "Details"].map(
        (name) => h("th", { scope: "col" }, name),
      )),
    ),
    tbody,
  );
  const errorSlot = h("div");
  const older = h("button", { type: "button", class: "secondary", onclick: olderPage }, "Older");
  const newer = h("button", { type: "button", class: "secondary", onclick: newerPage }, "Newer");
  const position = h("span", { class: "page-position", "aria-live": "polite" });
  const heading = h("h1", {}, "Decisions");
  const connectionsSummary = h("p", { class: "hint", role: "status" }, "Loading…");
  const connectionsBody = h("tbody");
  const activityList = h("ol", { class: "activity-log" });
  const connectionsError = h("div");
  const connectionsSection = h(
    "section",
    { class: "live-connections", "aria-labelledby": "live-connections-title" },
    h("div", { class: "page-head" },
      h("h2", { id: "live-connections-title" }, "Live feed connections"),
      h("button", { type: "button", class: "secondary small", onclick: () => loadConnections() }, "Refresh")),
    connectionsSummary,
    connectionsError,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Live feed connections table" },
      h("table", { class: "connections-table" },
        h("caption", { class: "sr-only" }, "Sessions of the live feed on this instance"),
        h("thead", {}, h("tr", {}, ["Status", "Who", "Channels", "Connected", "Last seen"].map(
          (name) => h("th", { scope: "col" }, name),
        ))),
        connectionsBody)),
    h("h3", {}, "Recent activity"),
    activityList,
  );

  replace(
    main,
    h("div", { class: "page-head" }, heading, liveStatus),
    filters,
    h(
      "section",
      { class: "stats", "aria-label": "Counts for these filters" },
      statCard("total", "Total"),
      statCard("allowed", "Allowed"),
      statCard("transformed", "Transformed"),
      statCard("denied", "Denied"),
    ),
    h(
      "div",
      { class: "table-tools" },
      h("div", { class: "check" }, follow, h("label", { for: "follow-live" }, "Show new decisions as they arrive")),
      waitingButton,
    ),
    errorSlot,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Decisions table" }, table),
    h("nav", { class: "pager", "aria-label": "Pages of decisions" }, newer, position, older),
    connectionsSection,
  );

  // -- data -----------------------------------------------------------------------------------
  function query() {
    const f = state.filters;
    return orgQuery({
      direction: f.direction,
      decision: f.decision,
      tool: f.tool,
      from: f.from,
      to: f.to,
      limit: state.pageSize,
      cursor: state.cursor,
      includeStats: "true",
    });
  }

  // Each load is numbered: an answer to a load that a later one superseded (the page's first
  // load answering after "Apply filters") is dropped, whatever order the answers arrive in.
  let loads = 0;

  async function load() {
    const mine = ++loads;
    table.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", "/api/decisions", { query: query() });
      if (mine !== loads) return;
      replace(errorSlot);
      state.stats = page.stats;
      state.nextCursor = page.pagination.nextCursor;
      state.shown = new Set();
      state.waiting = 0;
      state.stale = false;
      replace(tbody, page.decisions.map((d) => row(d, false)));
      if (!page.decisions.length) {
        tbody.append(h("tr", { class: "empty-row" }, h("td", { colspan: "11" }, "No decisions match these filters yet.")));
      }
      for (const d of page.decisions) state.shown.add(d.id);
      rememberTools(page.decisions);
      drawStats();
      drawPager(page.decisions.length);
      drawWaiting();
    } catch (error) {
      if (mine === loads) replace(errorSlot, errorBox(error));
    } finally {
      if (mine === loads) table.removeAttribute("aria-busy");
    }
  }

  function drawStats() {
    for (const [key, el] of Object.entries(cards)) {
      const value = !state.stats ? null : key === "total" ? state.stats.total : state.stats.byDecision[STAT_FOR[key]];
      el.textContent = value === null ? "–" : formatNumber(value);
    }
  }

  function drawPager(count) {
    const page = state.cursors.length + 1;
    const first = (page - 1) * state.pageSize + 1;
    const total = state.stats ? state.stats.total : null;
    position.textContent = count
      ? `Page ${page}: ${formatNumber(first)}–${formatNumber(first + count - 1)}${total !== null ? ` of ${formatNumber(total)}` : ""}`
      : `Page ${page}`;
    newer.disabled = state.cursors.length === 0;
    older.disabled = !state.nextCursor;
  }

  function drawWaiting() {
    waitingButton.hidden = state.waiting === 0;
    waitingButton.textContent = `Show ${state.waiting} new decision${state.waiting === 1 ? "" : "s"}`;
  }

  function rememberTools(decisions) {
    const known = new Set([...tools.options].map((o) => o.value));
    for (const d of decisions) {
      if (d.tool && !known.has(d.tool)) {
        known.add(d.tool);
        tools.append(h("option", { value: d.tool }));
      }
    }
  }

  function applyFilters() {
    state.filters = {
      direction: direction.value,
      decision: verdict.value,
      tool: tool.value.trim(),
      from: localInputToIso(from.value),
      to: localInputToIso(to.value),
    };
    state.pageSize = Number(pageSize.value);
    firstPage();
  }

  function clearFilters() {
    direction.value = "";
    verdict.value = "";
    tool.value = "";
    from.value = "";
    to.value = "";
    applyFilters();
  }

  function firstPage() {
    state.cursors = [];
    state.cursor = null;
    load();
  }

  async function olderPage() {
    if (state.stale) {
      // Live rows pushed some off this page: ask again where the next page starts.
      const page = await api("GET", "/api/decisions", { query: { ...query(), includeStats: "" } });
      state.nextCursor = page.pagination.nextCursor;
      state.stale = false;
    }
    if (!state.nextCursor) return;
    state.cursors.push(state.cursor);
    state.cursor = state.nextCursor;
    load();
  }

  function newerPage() {
    if (!state.cursors.length) return;
    state.cursor = state.cursors.pop();
    load();
  }

  // -- live feed connections ------------------------------------------------------------------
  async function loadConnections() {
    try {
      const [listed, log] = await Promise.all([
        api("GET", "/api/websockets/connections", { query: orgQuery() }),
        api("GET", "/api/websockets/activity", { query: orgQuery({ limit: ACTIVITY_SHOWN }) }),
      ]);
      replace(connectionsError);
      const { active, inactive } = listed.stats;
      connectionsSummary.textContent = `${formatNumber(active)} open, ${formatNumber(inactive)} recently closed`;
      replace(connectionsBody, listed.connections.map(connectionRow));
      if (!listed.connections.length) {
        connectionsBody.append(h("tr", {}, h("td", { colspan: "5" }, "Nobody is connected to the live feed.")));
      }
      replace(activityList, log.activity.map((entry) =>
        h("li", { dataset: { type: entry.activityType } }, timeEl(entry.timestamp), " ",
          h("span", { class: "badge badge-muted" }, entry.activityType), " ",
          `session ${entry.sessionId.slice(-6)}`,
          Object.keys(entry.data).length ? ` ${JSON.stringify(entry.data)}` : "")));
      if (!log.activity.length) activityList.append(h("li", {}, "No activity yet."));
    } catch (error) {
      replace(connectionsError, errorBox(error));
    }
  }

  function connectionRow(c) {
    // A key's session shows the key (and its owner when known); a person's, who they are.
    const owner = c.userEmail || (c.userId ? `user ${c.userId}` : null);
    const who = c.apiKeyId ? `key ${c.apiKeyName || c.apiKeyId}${owner ? ` of ${owner}` : ""}` : owner || "unknown";
    return h(
      "tr",
      { dataset: { sessionId: c.sessionId } },
      h("td", {}, h("span", { class: `badge ${c.isActive ? "badge-allow" : "badge-muted"}` }, c.isActive ? "open" : "closed")),
      h("td", {}, who),
      h("td", {}, c.channels.length ? c.channels.join(", ") : "none"),
      h("td", {}, timeEl(c.createdAt)),
      h("td", {}, timeEl(c.lastSeen)),
    );
  }

  // -- rows and the drawer --------------------------------------------------------------------
  function row(d, isNew) {
    const found = (d.detectorSummary?.piiDetected || []).map((p) => `${p.class} ×${p.count}`).join(", ");
    const details = h(
      "button",
      { type: "button", class: "small secondary", "aria-label": `Details of the ${d.direction} decision at ${formatTime(d.ts)}`, onclick: () => openDetails(d, details) },
      "Details",
    );
    return h(
      "tr",
      {
        class: isNew ? "row-new" : null,
        dataset: { id: d.id, correlationId: d.correlationId || "" },
        onclick: (event) => {
          if (event.target.closest("button, a")) return;
          openDetails(d, details);
        },
      },
      h("td", {}, timeEl(d.ts)),
      h("td", {}, h("span", { class: "badge badge-direction" }, d.direction)),
      h("td", {}, h("span", { class: `badge badge-${d.decision}` }, d.decision)),
      h("td", { class: "decision-who" }, who(d)),
      h("td", {}, d.model || "—", d.provider ? h("p", { class: "hint" }, d.provider) : null),
      h("td", { class: "reasons" }, d.reasons.length ? d.reasons.join(", ") : "—"),
      h("td", {}, d.tool || "—"),
      h("td", {}, found || "none"),
      h("td", { class: "num" }, d.latencyMs === null || d.latencyMs === undefined ? "—" : `${d.latencyMs} ms`),
      h("td", {}, h("code", {}, d.correlationId || "—")),
      h("td", {}, details),
    );
  }

  // The key (a link to it on the keys page) and its user, for "who sent this".
  function who(d) {
    if (!d.apiKeyId) return d.userEmail || "—";
    return [
      h("a", { href: `#/keys?key=${encodeURIComponent(d.apiKeyId)}`, class: "key-link" }, d.keyName || d.apiKeyId),
      d.userEmail ? h("p", { class: "hint" }, d.userEmail) : null,
    ];
  }

  // A billed call's usage row, with a link to the usage of its key.
  function usageFact(d) {
    if (!d.usage) return "none";
    const u = d.usage;
    const text = `${u.id}: ${formatNumber(u.inputTokens)} in, ${formatNumber(u.outputTokens)} out, ${u.cost === null ? "unpriced" : formatMoney(u.cost)}`;
    if (!d.apiKeyId) return text;
    const href = `#/usage?apiKeyId=${encodeURIComponent(d.apiKeyId)}&usage=${encodeURIComponent(u.id)}`;
    return h("a", { href, class: "usage-link" }, text);
  }

  function openDetails(d, opener) {
    const facts = [
      ["Decision", d.decision],
      ["Direction", d.direction],
      ["Key", who(d)],
      ["Model", d.model ? `${d.model}${d.provider ? ` (${d.provider})` : ""}` : "—"],
      ["Usage", usageFact(d)],
      ["Tool", d.tool || "—"],
      ["Time", timeEl(d.ts)],
      ["Correlation ID", d.correlationId || "—"],
      ["Policy", d.policyId || "none"],
      ["Latency", d.latencyMs === null || d.latencyMs === undefined ? "—" : `${d.latencyMs} ms`],
      ["Reasons", d.reasons.length ? d.reasons.join(", ") : "none"],
      ["Tags", d.tags.length ? d.tags.join(", ") : "none"],
    ];
    const json = JSON.stringify(d, null, 2);
    opener.focus();
    openDialog({
      title: `Decision ${d.decision} (${d.direction})`,
      kind: "drawer",
      returnFocus: heading,
      body: [
        h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
        h("h3", {}, "Event JSON"),
        h("pre", { class: "json", tabindex: "0", "aria-label": "The decision as JSON" }, json),
        h("div", { class: "row-actions" }, copyButton("Copy JSON", () => json)),
      ],
    });
  }

  // -- live -----------------------------------------------------------------------------------
  function matches(d) {
    const f = state.filters;
    if (f.direction && d.direction !== f.direction) return false;
    if (f.decision && d.decision !== f.decision) return false;
    if (f.tool && d.tool !== f.tool) return false;
    if (f.from && new Date(d.ts) < new Date(f.from)) return false;
    if (f.to && new Date(d.ts) > new Date(f.to)) return false;
    return true;
  }

  function onDecision(d) {
    if (state.shown.has(d.id) || !matches(d)) return;
    if (state.stats) {
      const { byDecision, byDirection, byTool } = state.stats;
      state.stats.total += 1;
      if (d.decision in byDecision) byDecision[d.decision] += 1;
      if (d.direction in byDirection) byDirection[d.direction] += 1;
      if (d.tool) byTool[d.tool] = (byTool[d.tool] || 0) + 1;
      drawStats();
    }
    if (!follow.checked || state.cursors.length) {
      state.waiting += 1;
      drawWaiting();
      return;
    }
    state.shown.add(d.id);
    tbody.querySelector(".empty-row")?.remove();
    tbody.prepend(row(d, true));
    while (tbody.rows.length > state.pageSize) {
      const last = tbody.rows[tbody.rows.length - 1];
      state.shown.delete(last.dataset.id);
      last.remove();
      state.stale = true; // a row moved to the next page: its cursor is out of date
    }
    older.disabled = !state.nextCursor && !state.stale;
    rememberTools([d]);
  }

  follow.addEventListener("change", () => {
    if (follow.checked && state.waiting) firstPage();
  });

  const feed = new LiveFeed({
    org: session.org,
    onDecision,
    onStatus: (stateName, detail) => {
      liveStatus.dataset.state = stateName;
      liveText.textContent = detail ? `${LIVE_TEXT[stateName]}: ${detail}` : LIVE_TEXT[stateName];
    },
  }).start();

  await Promise.all([load(), loadConnections()]);
  const connectionsTimer = setInterval(loadConnections, CONNECTIONS_REFRESH_MS);
  return () => {
    clearInterval(connectionsTimer);
    feed.stop();
  };
}
