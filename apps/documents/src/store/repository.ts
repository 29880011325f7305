import { migrate, type Sql } from '@mcp-fleet/storage';
import { SCHEMA } from './migrations';

export interface Document {
  id: string;
  title: string;
  content: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface User {
  id: string;
  username: string;
  password_hash: string;
  created_at: string;
}

export interface Profile {
  id: string;
  username: string;
  created_at: string;
  document_count: number;
}

export type UpdateOutcome =
  { status: 'updated'; document: Document } | { status: 'not_found' } | { status: 'conflict'; currentVersion: number };

type Row = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOCUMENT_COLUMNS = 'id, title, content, version, created_at, updated_at';

/**
 * Users and their documents. Every document query is scoped to its owner, so another user's id reads exactly
 * like an id that does not exist.
 */
export class DocumentRepository {
  private constructor(private readonly sql: Sql) {}

  /** Opens the repository on a database, applying any migration it has not had yet. */
  static async open(sql: Sql): Promise<DocumentRepository> {
    await migrate(sql, SCHEMA);
    return new DocumentRepository(sql);
  }

  get backend(): Sql['backend'] {
    return this.sql.backend;
  }

  async ping(): Promise<void> {
    await this.sql.query('select 1');
  }

  /** Creates the user unless the name is taken (seeding is idempotent). */
  async ensureUser(username: string, passwordHash: string): Promise<void> {
    await this.sql.query('insert into users (username, password_hash) values ($1, $2) on conflict (username) do nothing', [
      username,
      passwordHash,
    ]);
  }

  async findUser(username: string): Promise<User | undefined> {
    const [row] = await this.sql.query<Row>('select id, username, password_hash, created_at from users where username = $1', [username]);
    return (
      row && {
        id: String(row.id),
        username: String(row.username),
        password_hash: String(row.password_hash),
        created_at: iso(row.created_at),
      }
    );
  }

  /**
   * The user an identity provider's `subject` is here, made on first sight. One statement makes it, so concurrent
   * first calls of the same user make one; the lookup before it spares every later call a write.
   */
  async userForIdentity(issuer: string, subject: string): Promise<string> {
    const [known] = await this.sql.query<Row>('select id from users where issuer = $1 and subject = $2', [issuer, subject]);
    if (known) return String(known.id);
    const [made] = await this.sql.query<Row>(
      'insert into users (issuer, subject) values ($1, $2) on conflict (issuer, subject) do update set issuer = excluded.issuer returning id',
      [issuer, subject],
    );
    return String(made!.id);
  }

  async profile(userId: string): Promise<Profile | undefined> {
    if (!UUID.test(userId)) return undefined;
    const [row] = await this.sql.query<Row>(
      'select u.id, coalesce(u.username, u.subject) as username, u.created_at, (select count(*) from documents d where d.owner_id = u.id) as document_count from users u where u.id = $1',
      [userId],
    );
    return (
      row && {
        id: String(row.id),
        username: String(row.username),
        created_at: iso(row.created_at),
        document_count: Number(row.document_count),
      }
    );
  }

  async create(ownerId: string, title: string, content: string): Promise<Document> {
    const [row] = await this.sql.query<Row>(
      `insert into documents (owner_id, title, content) values ($1, $2, $3) returning ${DOCUMENT_COLUMNS}`,
      [ownerId, title, content],
    );
    return toDocument(row!);
  }

  async get(ownerId: string, id: string): Promise<Document | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.sql.query<Row>(`select ${DOCUMENT_COLUMNS} from documents where id = $1 and owner_id = $2`, [id, ownerId]);
    return row && toDocument(row);
  }

  /**
   * Optimistic concurrency: with expectedVersion, the row is written only if it is still at that version — one
   * statement, so of any number of concurrent writers holding the same version exactly one wins.
   */
  async update(
    ownerId: string,
    id: string,
    changes: { title?: string; content?: string },
    expectedVersion?: number,
  ): Promise<UpdateOutcome> {
    if (!UUID.test(id)) return { status: 'not_found' };
    const [row] = await this.sql.query<Row>(
      `update documents set title = coalesce($3, title), content = coalesce($4, content), version = version + 1, updated_at = now()
       where id = $1 and owner_id = $2 and ($5::integer is null or version = $5)
       returning ${DOCUMENT_COLUMNS}`,
      [id, ownerId, changes.title ?? null, changes.content ?? null, expectedVersion ?? null],
    );
    if (row) return { status: 'updated', document: toDocument(row) };
    const current = await this.get(ownerId, id);
    return current ? { status: 'conflict', currentVersion: current.version } : { status: 'not_found' };
  }

  async delete(ownerId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.sql.query<Row>('delete from documents where id = $1 and owner_id = $2 returning id', [id, ownerId])).length > 0;
  }

  /** A page of the owner's documents, oldest first. */
  async list(ownerId: string, offset: number, limit: number): Promise<{ items: Document[]; total: number }> {
    const [count] = await this.sql.query<Row>('select count(*) as total from documents where owner_id = $1', [ownerId]);
    const rows = await this.sql.query<Row>(
      `select ${DOCUMENT_COLUMNS} from documents where owner_id = $1 order by seq limit $2 offset $3`,
      [ownerId, limit, offset],
    );
    return { items: rows.map(toDocument), total: Number(count!.total) };
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

function toDocument(row: Row): Document {
  return {
    id: String(row.id),
    title: String(row.title),
    content: String(row.content),
    version: Number(row.version),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
