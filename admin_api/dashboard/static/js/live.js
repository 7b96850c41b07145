// The live decision feed: one WebSocket to /ws, subscribed to `org:<orgId>:decisions`.
// A browser cannot set headers on a WebSocket and the login cookie is scoped to /api, so the
// session token goes in `?key=` (the gateway accepts a session there as it does an API key).
// The socket reconnects with backoff (1 s doubling to 15 s) until stop() is called.

import { session } from "./api.js";

const MAX_BACKOFF_MS = 15000;

export class LiveFeed {
  /**
   * onDecision(data): a decision in the API's shape.
   * onStatus(state, detail): "connecting" | "live" | "reconnecting" | "error".
   */
  constructor({ org, onDecision, onStatus }) {
    this.channel = `org:${org}:decisions`;
    this.onDecision = onDecision;
    this.onStatus = onStatus;
    this.socket = null;
    this.stopped = false;
    this.backoff = 1000;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, "page closed");
    this.socket = null;
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${window.location.host}/ws?key=${encodeURIComponent(session.token || "")}`;
    this.onStatus("connecting");
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "SUBSCRIBE", channel: this.channel, id: "subscribe" }));
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket || this.stopped) return;
      this.onStatus("reconnecting");
      this.timer = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "DECISION") this.onDecision(message.data);
    else if (message.type === "ACK" && message.for === "SUBSCRIBE") {
      this.backoff = 1000;
      this.onStatus("live");
    } else if (message.type === "ERROR") this.onStatus("error", message.message);
  }
}
