import type { Server as HttpServer } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import { errorMessage, isFraudError, type Logger } from '@fraud/common';
import { DropOldestBuffer } from './client-buffer.ts';
import { verifyFeedToken } from './token.ts';

export interface LiveFeedOptions {
  server: HttpServer;
  /** When set, every connection must present a token signed with it (auth: { token }). */
  secret?: string;
  corsOrigins: string[];
  /** Per-client queue of decisions waiting for the socket; oldest dropped beyond it. */
  clientBuffer: number;
  /** Packets allowed in engine.io's write buffer before we hold back (the slow-client signal). */
  maxPendingPackets?: number;
  registry: Registry;
  logger: Logger;
}

export interface LiveFeed {
  io: Server;
  publishDecision(payload: Record<string, unknown>): void;
  publishStats(payload: object): void;
  close(): Promise<void>;
}

/** engine.io keeps unsent packets in `writeBuffer` (not in its public typings). */
function pendingPackets(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}

/**
 * The Socket.io server. Decisions go through a bounded drop-oldest buffer per client and are
 * written only while the client's transport keeps up, so a slow client loses its oldest
 * events (counted) and never holds up the consumer or the other clients.
 */
export function createLiveFeed(o: LiveFeedOptions): LiveFeed {
  const r = [o.registry];
  const clients = new Gauge({ name: 'fraud_live_clients', help: 'Connected live feed clients', registers: r });
  const dropped = new Counter({
    name: 'fraud_live_dropped_total',
    help: 'Events dropped for slow clients (oldest first)',
    registers: r,
  });
  const emitted = new Counter({
    name: 'fraud_live_emitted_total',
    help: 'Events written to clients',
    labelNames: ['event'],
    registers: r,
  });
  const refused = new Counter({
    name: 'fraud_live_auth_refused_total',
    help: 'Connections refused for a missing or bad token',
    registers: r,
  });
  dropped.inc(0);
  const maxPending = o.maxPendingPackets ?? 64;
  const io = new Server(o.server, { cors: { origin: o.corsOrigins, credentials: true }, serveClient: false });
  const buffers = new Map<Socket, DropOldestBuffer<Record<string, unknown>>>();

  if (o.secret) {
    const secret = o.secret;
    io.use((socket, next) => {
      try {
        const auth = socket.handshake.auth as { token?: unknown };
        socket.data.user = verifyFeedToken(secret, auth.token ?? socket.handshake.query.token);
        next();
      } catch (err: unknown) {
        refused.inc();
        const e = new Error(errorMessage(err)) as Error & { data?: unknown };
        e.data = { code: isFraudError(err) ? err.code : 'AUTH_REQUIRED' };
        next(e);
      }
    });
  }

  const pump = (socket: Socket) => {
    const buf = buffers.get(socket);
    if (!buf) return;
    let n = 0;
    while (buf.size && pendingPackets(socket) < maxPending) {
      socket.emit('decision', buf.shift());
      n++;
    }
    if (n) emitted.labels('decision').inc(n);
  };

  io.on('connection', (socket) => {
    buffers.set(socket, new DropOldestBuffer(o.clientBuffer));
    clients.set(buffers.size);
    socket.conn.on('drain', () => pump(socket));
    socket.on('disconnect', () => {
      buffers.delete(socket);
      clients.set(buffers.size);
    });
    o.logger.debug({ id: socket.id, user: (socket.data as { user?: unknown }).user }, 'live client connected');
  });
  // Fallback pump for transports that do not emit drain between bursts.
  const timer = setInterval(() => {
    for (const s of buffers.keys()) pump(s);
  }, 100);
  timer.unref();

  return {
    io,
    publishDecision(payload) {
      for (const [socket, buf] of buffers) {
        if (buf.push(payload)) dropped.inc();
        pump(socket);
      }
    },
    publishStats(payload) {
      io.volatile.emit('stats', payload); // volatile: skipped for a client that is not writable
      emitted.labels('stats').inc(buffers.size);
    },
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
