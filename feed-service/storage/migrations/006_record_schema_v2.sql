-- airfeed schema v5: record schema version 2 (drivers/_framework/record.ts). Each stored document
-- carries the record schema it is written in. The rows that exist now are version 1 (the column's
-- first default, set without rewriting the table); they are upgraded once, right after the SQL
-- migrations, by feed-service/storage/upgrade-records.ts: re-canonicalized, re-hashed, and live
-- records given a new change sequence so engines and deltas pick them up. Rows written from now on
-- are version 2 (the column's default; apply writes only current records).
alter table records add column schema_version smallint not null default 1;
alter table records alter column schema_version set default 2;
-- Finds the rows still to upgrade without a scan; empty once they are done.
create index records_old_schema on records (group_name, id) where schema_version < 2;
