-- airfeed schema v4: outputs built from the store for other tools (the grype database), and when
-- each was last built from which data. One row per output; a failed build keeps the last good one.
create table outputs (
  name          text primary key,        -- 'grype'
  built_at      timestamptz,              -- when the last good build finished (this side's clock)
  data_time     timestamptz,              -- the time written into the output: the newest data's
  data_seq      bigint,                   -- highest change sequence among the groups it holds
  state_key     text,                     -- what the build read (groups, sequences, freshness), hashed
  location      text,                     -- the archive, as published
  bytes         bigint,
  checksum      text,                     -- sha256:… of the archive
  seconds       double precision,         -- how long the build took
  groups        jsonb not null default '[]',
  last_error    text,
  last_error_at timestamptz
);
