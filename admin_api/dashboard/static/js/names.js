// Who is who in the current org, for pages that show ids (budgets, the audit trail): members by
// email and API keys with their name and prefix. A role that may not list members or keys gets
// empty maps, and the page shows the ids instead.

import { api, orgQuery, session } from "./api.js";

/** {users: Map(userId → email), keys: Map(keyId → key)} */
export async function orgNames() {
  const [members, keys] = await Promise.all([
    api("GET", `/api/v1/orgs/${encodeURIComponent(session.org)}/members`).catch(() => ({ members: [] })),
    api("GET", "/api/v1/keys", { query: orgQuery() }).catch(() => []),
  ]);
  return {
    users: new Map(members.members.map((m) => [m.userId, m.email || m.userId])),
    keys: new Map(keys.map((k) => [k.id, k])),
  };
}
