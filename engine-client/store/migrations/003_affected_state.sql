-- airfeed engine schema v3: affected rows carry what record schema v2 says per package
-- (drivers/_framework/shapes/affected.ts): the `state` (a `not_affected` row never matches; the
-- other states without a fix match every version their ranges and versions allow), OSV's explicit
-- `versions` list, and the `channel` of a fix published only in a subscription channel.
-- Rows written from version 1 records are `fixed` (a version), `affected` ("None", stored as null)
-- or, for a fix in "0" without ranges (secdb's "never affected"), `not_affected`, as the record
-- upgrade says (drivers/_framework/record-v1.ts).
alter table affected add column state text;
update affected set state = case
  when fixed is null then 'affected'
  when fixed = '0' and ranges is null then 'not_affected'
  else 'fixed' end;
update affected set fixed = null where state = 'not_affected';
alter table affected alter column state set not null;
alter table affected add constraint affected_state
  check (state in ('affected', 'deferred', 'fixed', 'not_affected', 'under_investigation', 'will_not_fix'));
alter table affected add column versions jsonb;
alter table affected add column channel text;
