import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import pg from 'pg';

/** The little of a SQL database the repository needs; PGlite and PostgreSQL both speak it, with $1 parameters. */
export interface Sql {
  readonly backend: 'pglite' | 'postgres';
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs fn in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Pick<Sql, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Runs a query as a client span of the active span (a traced request's), with the database conventions'
 * attributes and the statement's text (its parameters never); just runs it when nothing is traced.
 */
export function traced<Row>(text: string, run: () => Promise<Row[]>): Promise<Row[]> {
  if (!trace.getActiveSpan()) return run();
  const operation = /^\s*([a-z]+)/i.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const span = trace.getTracer('@mcp-fleet/storage').startSpan(operation, {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': text.slice(0, 2048) },
  });
  return run().then(
    (rows) => {
      span.end();
      return rows;
    },
    (error: unknown) => {
      span.setAttribute('error.type', String((error as { code?: unknown }).code ?? 'error'));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    },
  );
}

/** A real PostgreSQL through a pg connection pool (also handed out, for the rate-limit store). */
export async function openPostgres(url: string, poolSize = 10): Promise<Sql & { pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // A pool error on an idle client must not take the process down; the next query reports the problem.
  pool.on('error', () => undefined);
  await pool.query('select 1');
  return {
    backend: 'postgres',
    pool,
    query: <Row>(text: string, params?: unknown[]) => traced(text, async () => (await pool.query(text, params)).rows as Row[]),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn({
          query: <Row>(text: string, params?: unknown[]) => traced(text, async () => (await client.query(text, params)).rows as Row[]),
        });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
