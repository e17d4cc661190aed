-- airfeed engine schema v1: the groups the engine holds and where they came from, their
-- vulnerabilities (the record as received), and one affected row per fixed-in entry, indexed for
-- the matcher's lookup by (group, package). Only engine-client/store/*.ts writes these tables, each
-- group in one transaction, so there are no foreign keys: they would slow bulk COPYs and deletes
-- and guard nothing that the one writer does not already keep consistent.

create table groups (
  name                   text primary key,
  feed                   text not null,
  -- Where the data came from: `service <url>` (online sync) or `bundle <bundle id>` (offline import).
  source                 text not null,
  -- /v2: the producer's highest change sequence seen for the group (the next `after`).
  v2_cursor              bigint,
  -- /v1: the `since` to send next time (the start of the last complete download).
  v1_since               timestamptz,
  -- The bundle installed for the group (null when synced online): what the order rules check.
  bundle_id              text,
  bundle_manifest_sha256 text,
  bundle_to_seq          bigint,                -- the producer's toSeq of the group in that bundle
  bundle_created         timestamptz,
  record_count           integer not null default 0,
  affected_count         integer not null default 0,
  -- When the engine last refreshed the group (a sync or import that succeeded, even with no change).
  last_update            timestamptz not null default now(),
  -- How fresh the data is: the sync's time for a service, the bundle's creation time for a bundle.
  data_as_of             timestamptz not null default now()
);

create table vulnerabilities (
  group_name text not null,
  id         text not null,
  severity   text not null check (severity in ('Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical')),
  link       text,
  -- The record as the source sent it, JSON: the normalized record (/v2, bundles) or the Anchore
  -- record (/v1). Text, not jsonb: jsonb refuses some valid JSON (\u0000), which would make one odd
  -- description fail a whole group, and the matcher reads only the affected rows.
  doc        text not null,
  primary key (group_name, id)
);

create table affected (
  group_name text not null,
  vuln_id    text not null,
  pos        integer not null,       -- the entry's position in the record's fixed-in list
  package    text not null,
  scheme     text not null,
  fixed      text,                   -- null: no fix exists (Anchore's "None")
  ranges     jsonb,                  -- OSV ranges for ecosystem advisories; null for distro records
  severity   text not null,
  link       text
);
create index affected_lookup on affected (group_name, package);
create index affected_vuln on affected (group_name, vuln_id);
