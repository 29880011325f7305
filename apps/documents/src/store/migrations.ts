import type { Migration, Schema } from '@mcp-fleet/storage';

/** Append only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users and documents',
    sql: `
      create table users (
        id uuid primary key default gen_random_uuid(),
        username text not null unique,
        password_hash text not null,
        created_at timestamptz not null default now()
      );
      create table documents (
        id uuid primary key default gen_random_uuid(),
        seq bigint generated always as identity,
        owner_id uuid not null references users(id) on delete cascade,
        title text not null,
        content text not null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index documents_owner_seq on documents (owner_id, seq);
    `,
  },
  {
    version: 2,
    name: 'rate limit counts',
    // The table rate-limiter-flexible's RateLimiterPostgres reads and writes (its own DDL), shared by replicas.
    sql: `
      create table rate_limits (
        key varchar(255) primary key,
        points integer not null default 0,
        expire bigint
      );
    `,
  },
  {
    version: 3,
    name: 'users from identity providers',
    // A provider's user is its issuer and subject (OIDC: unique together, the subject alone is not); such a user
    // has no name or password here. Users of the login tool keep theirs, and no issuer.
    sql: `
      alter table users alter column username drop not null;
      alter table users alter column password_hash drop not null;
      alter table users add column issuer text, add column subject text;
      alter table users add constraint users_identity unique (issuer, subject);
      alter table users add constraint users_signs_in check (
        (username is not null and password_hash is not null) or (issuer is not null and subject is not null)
      );
    `,
  },
];

/** documents' schema: its migrations, kept apart from other services' and baked into its PGlite template. */
export const SCHEMA: Schema = { service: 'documents', migrations: MIGRATIONS };
