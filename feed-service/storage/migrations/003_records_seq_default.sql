-- airfeed schema v3: the first apply of an empty group COPYs its records straight into `records`
-- instead of staging them first (feed-service/storage/apply.ts, firstApply):
-- * seq defaults to the next change-sequence value: COPY fills omitted columns from their defaults,
--   row by row in input order;
-- * the primary key is deferrable (still checked at the end of every statement unless a transaction
--   defers it): the first apply defers it during its COPY and checks it right after with
--   SET CONSTRAINTS, so a repeated id fails that statement with its key named, not the COPY stream.
alter table records alter column seq set default nextval('change_seq');
alter table records drop constraint records_pkey;
alter table records add constraint records_pkey primary key (group_name, id) deferrable initially immediate;
