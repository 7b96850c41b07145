// The admin API client: one `api()` call with the session token as `Authorization: Bearer`,
// errors turned into `ApiError` (the gateway's {"error": {message, type, param, code}} shape).
// The token lives in sessionStorage: it ends with the tab, and no other site can read it.

const TOKEN_KEY = "governs.token";
const ORG_KEY = "governs.org";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  /** The org the console shows (id), remembered per tab. */
  get org() {
    return sessionStorage.getItem(ORG_KEY);
  },
  set org(value) {
    if (value) sessionStorage.setItem(ORG_KEY, value);
    else sessionStorage.removeItem(ORG_KEY);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ORG_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `the server answered ${status}`);
    this.status = status;
    this.code = error.code || null;
    this.param = error.param || null;
  }
}

/** Called once when a signed-in call answers 401: the session ended (main.js sets it). */
let onSessionEnded = () => {};
export function whenSessionEnds(callback) {
  onSessionEnded = callback;
}

/**
 * api("GET", "/api/v1/keys", {query: {orgId}}) → parsed JSON.
 * `body` is sent as JSON; `raw: true` answers the Response itself (for CSV downloads).
 */
export async function api(method, path, { query, body, raw = false } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: raw ? "*/*" : "application/json" };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, { error: { message: "the gateway cannot be reached", code: "offline" } });
  }
  if (!response.ok) {
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    const error = new ApiError(response.status, payload);
    // A call sent with a token the tab has since dropped (signed out while it was in flight)
    // says nothing about the current session.
    if (response.status === 401 && token && token === session.token && error.code !== "invalid_credentials") {
      onSessionEnded(error);
    }
    throw error;
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

/** The query parameter naming the org every call is about. */
export function orgQuery(extra = {}) {
  return { orgId: session.org, ...extra };
}
