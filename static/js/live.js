// The forum's live connection, shared by the phone, the console and the screen.
//
// - reconnects with exponential backoff and jitter;
// - keeps every command in an outbox in localStorage until its final ack arrives, and
//   re-sends it with the same id after a reconnect or an `unavailable` answer (the
//   server applies an id at most once);
// - applies events in rev order and asks for a `sync` when it sees a gap;
// - joins the `part` frames of a frame over the WebSocket limit (a large snapshot).
// The wire format is docs/protocol.md.

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 20000;
// The server writes a heartbeat with the forum's rev to every socket of a forum without
// events for HEARTBEAT_INTERVAL_MS (config/settings.py, 20 s) and a quarter of it. The
// page pings only when it heard nothing for QUIET_LIMIT_MS (a lost heartbeat, or a
// server that does not send them); the pong carries the rev too. Pinging on a timer
// instead would wake the server once per phone and interval: most of what an idle room
// costs it.
const CHECK_EVERY_MS = 10000;
const QUIET_LIMIT_MS = 35000;
// Nothing heard for this long, not even a pong: the connection is dead.
const SILENCE_LIMIT_MS = 60000;
// Close codes after which reconnecting cannot help (realtime/consumer.py).
const FINAL_CLOSE_CODES = new Set([4403, 4404]);
// The server is restarting (config/serve.py on SIGTERM): come back at once.
const CLOSE_SERVICE_RESTART = 1012;

export function newId() {
  if (window.crypto && crypto.randomUUID) {
    try { return crypto.randomUUID(); } catch (e) { /* not a secure context */ }
  }
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

class Outbox {
  constructor(code) {
    this.key = "mitwirken.outbox." + code;
  }
  all() {
    try { return JSON.parse(localStorage.getItem(this.key) || "[]"); } catch (e) { return []; }
  }
  save(entries) {
    try { localStorage.setItem(this.key, JSON.stringify(entries)); } catch (e) { /* storage full or blocked */ }
  }
  add(frame) {
    const entries = this.all().filter((e) => e.id !== frame.id);
    entries.push(frame);
    this.save(entries);
  }
  find(id) {
    return this.all().find((e) => e.id === id);
  }
  remove(id) {
    const entries = this.all();
    const rest = entries.filter((e) => e.id !== id);
    if (rest.length !== entries.length) this.save(rest);
    return entries.find((e) => e.id === id);
  }
}

// Apply one event to a snapshot-shaped state; the Python twin is in
// tests/realtime/test_consumer.py (apply_event). Returns the new state.
export function applyEvent(state, event, role) {
  const next = Object.assign({}, state, { rev: event.rev });
  const data = event.data || {};
  if (event.name === "item.removed") {
    // left a plenary's pool (its measure was taken back or hidden)
    next.items = state.items.filter((i) => i.id !== data.id);
  } else if (event.name.startsWith("item.")) {
    const items = state.items.filter((i) => i.id !== data.id);
    if (role === "moderator" || data.status === "visible") items.push(data);
    items.sort((a, b) => a.id - b.id);
    next.items = items;
  } else if (event.name === "forum.updated") {
    next.forum = data;
  }
  return next;
}

export function connect(options) {
  const { code, key = "", handlers = {} } = options;
  const outbox = new Outbox(code);
  const waiting = new Map(); // id -> callback for acks of commands sent from this page
  let ws = null;
  let attempt = 0;
  let state = null; // the last applied snapshot + events
  let pending = new Map(); // rev -> event that arrived ahead of a gap
  let syncing = false;
  let lastHeard = Date.now();
  let pingTimer = null;
  let retryTimer = null;
  let stopped = false;

  const call = (name, ...args) => { if (handlers[name]) handlers[name](...args); };
  const status = (value) => {
    document.documentElement.dataset.live = value; // for styles and tests
    call("status", value, outbox.all().length);
  };

  function url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + "/ws/forum/" + encodeURIComponent(code) + "/" +
      (key ? "?key=" + encodeURIComponent(key) : "");
  }

  function open() {
    if (stopped) return;
    clearTimeout(retryTimer);
    status(attempt === 0 ? "connecting" : "reconnecting");
    try { ws = new WebSocket(url()); } catch (e) { scheduleRetry(); return; }
    parts = new Map(); // parts of a message on an earlier socket never complete
    ws.onmessage = (msg) => { lastHeard = Date.now(); receive(msg.data); };
    ws.onclose = (ev) => {
      clearInterval(pingTimer);
      ws = null;
      if (FINAL_CLOSE_CODES.has(ev.code)) { stopped = true; status("refused"); return; }
      if (ev.code === CLOSE_SERVICE_RESTART) attempt = 0;
      scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  function scheduleRetry() {
    if (stopped) return;
    status("offline");
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
    attempt += 1;
    retryTimer = setTimeout(open, ceiling / 2 + Math.random() * ceiling / 2);
  }

  function rawSend(frame) {
    if (ws && ws.readyState === WebSocket.OPEN && state !== null) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  // A frame over the server's WebSocket limit (a snapshot of a large forum) comes as
  // numbered `part` frames; joined, they are read as the frame they carry
  // (docs/protocol.md, "Large frames").
  let parts = new Map(); // message -> {of, data: [...], got}
  function takePart(frame) {
    let message = parts.get(frame.message);
    if (!message) {
      message = { of: frame.of, data: [], got: 0 };
      parts.set(frame.message, message);
    }
    if (message.data[frame.n - 1] === undefined) message.got += 1;
    message.data[frame.n - 1] = frame.data;
    if (message.got < message.of) return;
    parts.delete(frame.message);
    receive(message.data.join(""));
  }

  function receive(text) {
    let frame;
    try { frame = JSON.parse(text); } catch (e) { return; }
    switch (frame.type) {
      case "part":
        takePart(frame);
        break;
      case "snapshot": {
        // Events newer than the snapshot that came before it stay, to be applied on it.
        const newer = [...pending.values()].filter((e) => e.rev > frame.rev);
        state = frame;
        pending = new Map(newer.map((e) => [e.rev, e]));
        syncing = false;
        attempt = 0;
        call("snapshot", frame);
        status("online");
        startPing();
        // Whatever is still unanswered goes again, with its original id.
        outbox.all().forEach((entry) => rawSend(entry));
        if (newer.length) onEvent(newer[0]);
        break;
      }
      case "event":
        onEvent(frame);
        break;
      case "ack": {
        const retry = !frame.ok && frame.error && frame.error.code === "unavailable";
        if (retry && outbox.find(frame.id)) {
          // "Try again": the server could not save it now. It stays in the outbox and
          // goes again with the same id, after a pause that doubles (and at once on a
          // reconnect); its sender hears only the final answer.
          keepForLater(frame.id);
          break;
        }
        retries.delete(frame.id);
        const entry = outbox.remove(frame.id);
        const cb = waiting.get(frame.id);
        waiting.delete(frame.id);
        if (cb) cb(frame, entry);
        else call("ack", frame, entry);
        status("online");
        break;
      }
      case "tally": call("tally", frame); break;
      case "presence": call("presence", frame.online); break;
      case "heartbeat":
      case "pong":
        // The server is ahead although no event arrived: one was lost on the way.
        if (state !== null && typeof frame.rev === "number" && frame.rev > state.rev && !syncing) {
          syncing = true;
          rawSend({ type: "sync", id: newId(), rev: state.rev });
          setTimeout(() => { syncing = false; }, 3000);
        }
        break;
      default: break;
    }
  }

  const retries = new Map(); // command id -> times it was answered `unavailable`
  function keepForLater(id) {
    const n = (retries.get(id) || 0) + 1;
    retries.set(id, n);
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** n);
    setTimeout(() => {
      const entry = outbox.find(id);
      if (entry) rawSend(entry);
    }, ceiling / 2 + Math.random() * ceiling / 2);
    call("status", "online", outbox.all().length);
  }

  function onEvent(event) {
    if (state === null || event.rev <= state.rev) return;
    pending.set(event.rev, event);
    while (pending.has(state.rev + 1)) {
      const next = pending.get(state.rev + 1);
      pending.delete(next.rev);
      state = applyEvent(state, next, state.me.role);
      call("event", next, state);
    }
    if (pending.size > 0 && !syncing) {
      syncing = true;
      rawSend({ type: "sync", id: newId(), rev: state.rev });
      setTimeout(() => { syncing = false; }, 3000);
    }
  }

  function startPing() {
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      const quiet = Date.now() - lastHeard;
      if (quiet > SILENCE_LIMIT_MS && ws) { ws.close(); return; }
      if (quiet > QUIET_LIMIT_MS) rawSend({ type: "ping" });
    }, CHECK_EVERY_MS);
  }

  // Send a command; it is kept until acked, across reloads and reconnects.
  function send(frame, onAck) {
    const full = Object.assign({ id: newId() }, frame);
    if (onAck) waiting.set(full.id, onAck);
    outbox.add(full);
    const sent = rawSend(full);
    status(sent ? "online" : "offline");
    return full.id;
  }

  // The network is gone: the socket is dead even if the browser has not noticed yet.
  // Drop it at once, so commands go to the outbox and the person sees "offline".
  function drop() {
    if (!ws) return;
    const dead = ws;
    ws = null;
    dead.onclose = dead.onmessage = dead.onerror = null;
    try { dead.close(); } catch (e) { /* already closing */ }
    clearInterval(pingTimer);
    scheduleRetry();
  }

  window.addEventListener("offline", drop);
  window.addEventListener("online", () => {
    if (stopped) return;
    if (!ws) { attempt = 0; clearTimeout(retryTimer); open(); }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !ws && !stopped) { attempt = 0; open(); }
  });
  open();

  return {
    send,
    get state() { return state; },
    pendingCount: () => outbox.all().length,
    close() { stopped = true; if (ws) ws.close(); },
  };
}

// Speak changes through a polite live region, batched so a screen reader is not flooded.
export function announcer(region, everyMs = 2500) {
  let queue = [];
  let timer = null;
  function flush() {
    timer = null;
    if (!region || queue.length === 0) return;
    region.textContent = queue.length === 1 ? queue[0] : queue.slice(-3).join(" · ");
    queue = [];
  }
  return (text) => {
    queue.push(text);
    if (timer === null) timer = setTimeout(flush, everyMs);
  };
}
