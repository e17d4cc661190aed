-- airfeed engine schema v2: affected rows are looked up by a normalized package key
-- (engine-client/store/package-key.ts): PyPI names PEP 503-normalized, NuGet ids lower-cased, every
-- other ecosystem's names as they are. Existing rows are keyed the same way here.
alter table affected add column package_key text;
update affected set package_key = case
  when group_name = 'github:python' then regexp_replace(lower(package), '[-_.]+', '-', 'g')
  when group_name = 'github:nuget' then lower(package)
  else package end;
alter table affected alter column package_key set not null;
drop index affected_lookup;
create index affected_lookup on affected (group_name, package_key);
