-- airfeed schema v2: signed bundle imports (history) and which bundle each group holds.

-- One row per successful import; refused or failed imports leave no trace in the database.
create table bundle_imports (
  id              bigserial primary key,
  bundle_id       text not null,
  manifest_sha256 text not null,
  kind            text not null check (kind in ('full', 'delta')),
  key_id          text not null,          -- sha256 of the signer's raw Ed25519 public key
  producer        text not null,          -- `airfeed 0.1.0`
  created         timestamptz not null,   -- when the bundle was made (the producer's clock)
  expires         timestamptz,
  base_bundle_id  text,                   -- for a delta: the bundle it builds on
  groups          jsonb not null,         -- [{name, fromSeq, toSeq, records, tombstones, added, changed, removed, unchanged}]
  file            text not null,          -- the file name as given to the import
  imported_at     timestamptz not null default now()
);
create index bundle_imports_imported on bundle_imports (imported_at desc, id desc);
create index bundle_imports_bundle on bundle_imports (manifest_sha256);

-- The bundle installed for a group: a delta must build on exactly this manifest, and a full bundle
-- must not be older than it (rollback). `source_to_seq` is the producer's change sequence, which is
-- unrelated to this database's own.
create table bundle_installed (
  group_name      text primary key references groups (name),
  bundle_id       text not null,
  manifest_sha256 text not null,
  created         timestamptz not null,
  source_to_seq   bigint not null,
  import_id       bigint not null references bundle_imports (id),
  installed_at    timestamptz not null default now()
);
