import { randomUUID } from 'node:crypto';
import { InMemoryServerEventBus, type ServerEvent, type ServerEventBus } from '@modelcontextprotocol/server';
import pg from 'pg';

export interface PostgresEventBusOptions {
  /** The PostgreSQL every replica of the service shares (its DATABASE_URL). */
  url: string;
  /** The service's name: its channel, so that services sharing a database do not hear each other. */
  service: string;
  /** Told when the listening connection is lost and when it is back, for the log. */
  onConnection?: (state: 'lost' | 'restored', detail: string) => void;
  /** Reconnect back-off bounds in ms (default 100 to 5000). */
  backoff?: { minMs: number; maxMs: number };
  /** Events kept while PostgreSQL cannot take them; past it the oldest are dropped and GAP_EVENTS sent after. */
  maxQueued?: number;
}

export interface PostgresEventBus extends ServerEventBus {
  /** Whether the listening connection is up: while it is not, other replicas' events are not heard. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** NOTIFY takes a payload below 8,000 bytes; a larger event goes by reference, through EVENTS_TABLE. */
const MAX_NOTIFY_BYTES = 7_900;
const EVENTS_TABLE = 'mcp_fleet_events';

/**
 * What a listener is told after it may have missed events (the listening connection was lost, or this process
 * could not send its own for a while): every list changed, so that a client reads again what it shows. Never
 * silence: an update that fell into the gap is covered by the re-read.
 */
export const GAP_EVENTS: readonly ServerEvent[] = [
  { kind: 'resources_list_changed' },
  { kind: 'tools_list_changed' },
  { kind: 'prompts_list_changed' },
];

/**
 * A ServerEventBus across the replicas of a service, over PostgreSQL LISTEN/NOTIFY: one listening connection per
 * process (not per listener), reconnected with back-off. `publish` is synchronous, as the SDK calls it: this
 * process's listeners get the event at once, the others through NOTIFY, sent in order in the background. A
 * replica never hears its own event twice (each carries its sender's id).
 */
export async function postgresEventBus(options: PostgresEventBusOptions): Promise<PostgresEventBus> {
  const channel = `mcp_events_${options.service.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`.slice(0, 63);
  const { minMs, maxMs } = options.backoff ?? { minMs: 100, maxMs: 5_000 };
  const maxQueued = options.maxQueued ?? 10_000;
  const origin = randomUUID();
  const listeners = new Set<(event: ServerEvent) => void>();
  const senders = new pg.Pool({ connectionString: options.url, max: 2 });
  senders.on('error', () => undefined);
  try {
    await senders.query(
      `create table if not exists ${EVENTS_TABLE} (id bigserial primary key, channel text not null, payload text not null, created_at timestamptz not null default now())`,
    );
  } catch (error) {
    // Replicas starting together race to create it; the loser's "already exists" means it is there.
    if (!['23505', '42P07'].includes((error as { code?: string }).code ?? '')) throw error;
  }

  const deliver = (event: ServerEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // One listener's failure is its own; the others still hear the event.
      }
    }
  };

  // Listening: one connection, re-made with back-off; a gap is told as GAP_EVENTS once it is back.
  let listener: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const listen = async (delayMs: number): Promise<void> => {
    const client = new pg.Client({ connectionString: options.url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      client.on('notification', (message) => void received(message.payload));
      client.once('end', () => {
        if (closed || listener !== client) return;
        listening = false;
        options.onConnection?.('lost', 'the listening connection ended');
        retry = setTimeout(() => void listen(minMs), minMs).unref();
      });
      await client.query(`listen ${channel}`);
      if (closed) return void (await client.end());
      const wasListening = listener !== undefined;
      listener = client;
      listening = true;
      if (wasListening) {
        options.onConnection?.('restored', `listening on ${channel} again`);
        for (const event of GAP_EVENTS) deliver(event);
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      if (closed) return;
      if (listener === undefined && delayMs === 0) throw error;
      options.onConnection?.('lost', (error as Error).message);
      retry = setTimeout(() => void listen(Math.min(delayMs * 2 || minMs, maxMs)), delayMs || minMs).unref();
    }
  };

  const received = async (payload: string | undefined) => {
    let message: { o?: string; e?: ServerEvent; r?: string };
    try {
      message = JSON.parse(String(payload)) as typeof message;
    } catch {
      return;
    }
    if (message.o === origin) return;
    if (message.e) return deliver(message.e);
    if (message.r === undefined) return;
    // An event sent by reference that cannot be read (gone, or the database away): the listeners read again.
    let events = GAP_EVENTS;
    try {
      const { rows } = await senders.query<{ payload: string }>(`select payload from ${EVENTS_TABLE} where id = $1`, [message.r]);
      if (rows[0]) events = [JSON.parse(rows[0].payload) as ServerEvent];
    } catch {
      // as above
    }
    for (const event of events) deliver(event);
  };

  // Sending: in order, one at a time; while PostgreSQL refuses, retried with back-off, the queue bounded.
  const queue: string[] = [];
  let overflowed = false;
  let sending = false;
  const send = async (text: string) => {
    if (Buffer.byteLength(text) <= MAX_NOTIFY_BYTES) {
      await senders.query('select pg_notify($1, $2)', [channel, text]);
      return;
    }
    const { rows } = await senders.query<{ id: string }>(`insert into ${EVENTS_TABLE} (channel, payload) values ($1, $2) returning id`, [
      channel,
      JSON.stringify((JSON.parse(text) as { e: ServerEvent }).e),
    ]);
    await senders.query('select pg_notify($1, $2)', [channel, JSON.stringify({ o: origin, r: rows[0]!.id })]);
    // A listener reads a referenced event within moments; older rows only take room.
    await senders.query(`delete from ${EVENTS_TABLE} where channel = $1 and created_at < now() - interval '5 minutes'`, [channel]);
  };
  const pump = async () => {
    if (sending) return;
    sending = true;
    let delayMs = minMs;
    while (queue.length > 0 && !closed) {
      try {
        await send(queue[0]!);
        queue.shift();
        delayMs = minMs;
        if (overflowed && queue.length === 0) {
          overflowed = false;
          queue.push(...GAP_EVENTS.map((event) => JSON.stringify({ o: origin, e: event })));
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
        delayMs = Math.min(delayMs * 2, maxMs);
      }
    }
    sending = false;
  };

  await listen(0);
  return {
    get listening() {
      return listening;
    },
    publish(event) {
      deliver(event);
      if (queue.length >= maxQueued) {
        queue.shift();
        overflowed = true;
      }
      queue.push(JSON.stringify({ o: origin, e: event }));
      void pump();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      listening = false;
      await listener?.end().catch(() => undefined);
      await senders.end();
    },
  };
}

/**
 * The bus a service's change notifications travel on (ServeOptions.bus, notifierOf): over its PostgreSQL when it
 * has one (DATABASE_URL), so that every replica's listeners hear them; this process's alone otherwise, and in a
 * function, which serves no listens (an invocation holds no stream open) and so keeps no listening connection.
 * `close` it at shutdown.
 */
export async function serviceEventBus(options: {
  config: { databaseUrl?: string };
  service: string;
  host: 'process' | 'lambda';
  logger: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
}): Promise<ServerEventBus & { close(): Promise<void> }> {
  const { config, service, host, logger } = options;
  if (!config.databaseUrl || host === 'lambda') return Object.assign(new InMemoryServerEventBus(), { close: async () => undefined });
  return postgresEventBus({
    url: config.databaseUrl,
    service,
    onConnection: (state, detail) =>
      state === 'lost' ? logger.warn({ detail }, 'event bus: connection lost') : logger.info({ detail }, 'event bus: listening again'),
  });
}
