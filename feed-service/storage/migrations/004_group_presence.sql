-- airfeed schema v4: groups that vanish upstream, and feeds declared by drivers.

-- Set when the group's driver no longer lists the group after a successful fetch (its input vanished
-- upstream, e.g. a branch directory gone from the mirror): the group is stale. Its data is kept and
-- served; the column is cleared when the group comes back.
alter table groups add column vanished_at timestamptz;

-- Feeds now come from the driver registry (created at sync and service start) and from imported
-- bundles, no longer from migration 001: remove the ones 001 inserted that no group uses yet, unless
-- an operator disabled one on purpose.
delete from feeds f
where f.name in ('vulnerabilities', 'nvdv2', 'github') and f.enabled
  and not exists (select 1 from groups g where g.feed = f.name);
