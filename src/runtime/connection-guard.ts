// Bounds on the connections of the HTTP server, kept by us rather than by
// node:http's own timeouts: those are checked only every 30 s on Node and are
// not all implemented by Bun and Deno, while the events used here
// ('connection', 'request', the response's 'finish'/'close') and
// socket.destroy() behave alike on all three.
//
// - At most `maxConnections` connections at once. A newcomer beyond the cap
//   closes the connection that has been idle (no request in progress) the
//   longest, so a flood of idle connections cannot lock out a real client;
//   only when every connection is busy with a request is the newcomer refused.
// - A new connection must deliver its first request's headers within
//   `headerTimeoutMs`; after an answer, a keep-alive connection must deliver
//   the next request's headers within `idleTimeoutMs`; a request must have
//   arrived whole (headers and body) within `requestTimeoutMs`. Otherwise the
//   connection is closed; the time the server takes to answer is not bounded here.
//
// With TLS, the raw TCP socket is what is counted and closed (Node and Deno
// link the TLS socket to it as `_parent`, Bun hands out one socket), so a
// connection that never completes its handshake counts and times out too.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  maxConnections: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface ConnectionStats {
  open: number;
  /** Idle connections closed to admit a newcomer. */
  evicted: number;
  /** Newcomers refused because every connection was busy. */
  refused: number;
  /** Connections closed for taking too long (headers, idle, request). */
  timedOut: number;
}

interface Tracked {
  socket: Socket;
  /** Requests in progress (more than one only with pipelining). */
  active: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** When `timer` fires (ms, performance.now()); it may fire before `deadline` and then waits on. */
  firesAt: number;
  /** When the connection is closed unless `spare(t)` says the client has done its part. */
  deadline: number;
  spare: ((t: Tracked) => boolean) | undefined;
  dropped: boolean;
  /** The latest request (what the request timeout waits for). */
  request: IncomingMessage | null;
}

/** The connection of a response whose end has not been counted yet (null once it has). */
const TRACKED = Symbol('connection-guard tracked');
type GuardedResponse = ServerResponse & { [TRACKED]?: Tracked | null };

/** The request timeout's spare: the latest request arrived whole. */
const requestReceived = (t: Tracked): boolean => t.request?.complete === true;

export interface ConnectionGuard {
  stats(): ConnectionStats;
  /**
   * Tells the guard a request has begun; call it for every request, before the
   * request is answered (it listens for the response's end).
   */
  request(req: IncomingMessage, res: ServerResponse): void;
}

/** Watches `server`'s connections from now on, its requests through a 'request' listener of its own. */
export function guardConnections(server: Server, limits: ConnectionLimits): { stats(): ConnectionStats } {
  const guard = trackConnections(server, limits);
  server.on('request', guard.request);
  return { stats: guard.stats };
}

/**
 * Watches `server`'s connections from now on; the caller reports each request
 * with `request()`. A server that calls it from its own 'request' listener saves
 * the emitter's second listener a request (an array copy and a call through it).
 */
export function trackConnections(server: Server, limits: ConnectionLimits): ConnectionGuard {
  const all = new Map<Socket, Tracked>();
  /** Connections without a request in progress, longest idle first. */
  const idle = new Map<Socket, Tracked>();
  const stats: ConnectionStats = { open: 0, evicted: 0, refused: 0, timedOut: 0 };

  const drop = (t: Tracked, destroy: boolean) => {
    if (t.dropped) return;
    t.dropped = true;
    if (t.timer) clearTimeout(t.timer);
    all.delete(t.socket);
    idle.delete(t.socket);
    stats.open--;
    if (destroy) t.socket.destroy();
  };

  /**
   * Closes the connection after `ms`, unless `spare()` says by then that the
   * client has done its part. Every request moves the deadline twice; the timer
   * is replaced only when the new deadline comes before it fires (a later one
   * is waited for when it fires), so a keep-alive connection costs about one
   * setTimeout a minute rather than two clearTimeout and setTimeout a request.
   */
  const arm = (t: Tracked, ms: number, spare?: (t: Tracked) => boolean) => {
    const now = performance.now();
    t.deadline = now + ms;
    t.spare = spare;
    if (t.timer && t.firesAt <= t.deadline) return;
    if (t.timer) clearTimeout(t.timer);
    schedule(t, now);
  };

  const schedule = (t: Tracked, now: number) => {
    t.firesAt = t.deadline;
    t.timer = setTimeout(() => fire(t), Math.max(0, t.deadline - now));
    t.timer.unref?.();
  };

  const fire = (t: Tracked) => {
    t.timer = null;
    if (t.dropped) return;
    const now = performance.now();
    // setTimeout may fire a little early by performance.now(): within 1 ms is on time.
    if (t.deadline > now + 1) {
      schedule(t, now);
      return;
    }
    if (t.spare?.(t)) return;
    stats.timedOut++;
    drop(t, true);
  };

  server.on('connection', (socket: Socket) => {
    const t: Tracked = { socket, active: 0, timer: null, firesAt: 0, deadline: 0, spare: undefined, dropped: false, request: null };
    stats.open++;
    if (stats.open > limits.maxConnections) {
      const oldest = idle.values().next();
      if (oldest.done) {
        stats.refused++;
        stats.open--;
        socket.destroy();
        return;
      }
      stats.evicted++;
      drop(oldest.value, true);
    }
    all.set(socket, t);
    idle.set(socket, t);
    arm(t, limits.headerTimeoutMs);
    socket.once('close', () => drop(t, false));
  });

  const request = (req: IncomingMessage, res: ServerResponse): void => {
    const t = all.get(rawSocket(req.socket));
    if (!t) return;
    t.active++;
    idle.delete(t.socket);
    // The request timeout bounds the client's sending (headers and body): a
    // request received whole is the server's to answer, however long that takes.
    t.request = req;
    arm(t, limits.requestTimeoutMs, requestReceived);
    // One listener shared by every response, the connection on the response
    // itself: no closures, and no once() (a wrapper and its state a listener,
    // and a removal when it fires) per request. The response is dropped after
    // its 'close', listeners and all.
    (res as GuardedResponse)[TRACKED] = t;
    res.on('finish', responseDone);
    res.on('close', responseDone);
  };

  /** A response's 'finish' or 'close', whichever comes first (the other finds it counted). */
  function responseDone(this: GuardedResponse): void {
    const t = this[TRACKED];
    if (!t) return;
    this[TRACKED] = null;
    if (t.dropped || --t.active > 0) return;
    t.request = null;
    idle.set(t.socket, t); // now the most recently idle
    arm(t, limits.idleTimeoutMs);
  }

  return { stats: () => ({ ...stats }), request };
}

/** The TCP socket under a TLS socket (Node, Deno), or the socket itself. */
function rawSocket(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket })._parent ?? socket;
}
