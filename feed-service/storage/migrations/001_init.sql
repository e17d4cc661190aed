-- airfeed schema v1: feeds, groups, records with one global change sequence, sync runs, events.

-- Every new or changed record and every tombstone takes the next value: consumers page by it.
create sequence change_seq as bigint;

create table feeds (
  name        text primary key,
  description text not null default '',
  enabled     boolean not null default true,
  created_at  timestamptz not null default now()
);

-- Driver-level state kept between runs (fetch fingerprints: ETags, Last-Modified, digests).
create table drivers (
  id           text primary key,
  state        jsonb not null default '{}',
  last_sync    timestamptz,
  last_success timestamptz
);

create table groups (
  name         text primary key,
  feed         text not null references feeds (name),
  driver       text not null,
  description  text not null default '',
  enabled      boolean not null default true,
  last_sync    timestamptz,
  last_success timestamptz,
  record_count integer not null default 0,   -- live records, tombstones excluded
  max_seq      bigint not null default 0,    -- highest change sequence in the group
  state        jsonb not null default '{}',  -- per-group driver state (input fingerprint)
  created_at   timestamptz not null default now()
);
create index groups_feed on groups (feed);

create table records (
  group_name text not null references groups (name),
  id         text not null,
  doc        text not null,        -- the normalized record, canonical JSON (sorted keys)
  hash       text not null,        -- sha256 hex of doc
  seq        bigint not null,
  updated_at timestamptz not null,
  deleted    boolean not null default false,
  primary key (group_name, id)
);
create unique index records_group_seq on records (group_name, seq);
create index records_group_updated on records (group_name, updated_at, id);
create index records_id on records (id);

create table sync_runs (
  id         bigserial primary key,
  driver     text not null,
  trigger    text not null default 'manual',  -- manual, schedule, api, import
  status     text not null default 'running' check (status in ('running', 'succeeded', 'unchanged', 'failed')),
  started_at timestamptz not null default now(),
  ended_at   timestamptz,
  counts     jsonb not null default '{}',     -- {group: {added, changed, removed, unchanged, skipped}}
  error      text
);
create index sync_runs_driver on sync_runs (driver, started_at desc);

-- Named like Anchore's: feeds.sync.group_started, feeds.sync.group_completed, feeds.sync.group_failed.
create table events (
  id         bigserial primary key,
  type       text not null,
  level      text not null default 'info' check (level in ('info', 'warn', 'error')),
  driver     text,
  group_name text,
  run_id     bigint references sync_runs (id),
  details    jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index events_created on events (created_at desc);

insert into feeds (name, description) values
  ('vulnerabilities', 'Operating system package vulnerabilities (Alpine, Debian, Ubuntu, Red Hat)'),
  ('nvdv2', 'NVD CVE records'),
  ('github', 'Language ecosystem advisories (GitHub / OSV)');
