-- airfeed engine schema v5: a first sync that COPYs straight into the final tables, and the index
-- of CPE targets that `scan --match cpe` looks candidates up in (engine-client/store/write-first.ts,
-- engine-client/cpe/).
--
-- 1. The primary key of `vulnerabilities` becomes DEFERRABLE (initially immediate, so nothing
--    changes for other writers): a first sync defers it while it COPYs a whole group, and a
--    repeated id is then reported by SET CONSTRAINTS ... IMMEDIATE as a clean error naming it,
--    instead of failing the COPY after its last byte (postgres.js then never settles the stream).
--    ON CONFLICT cannot use a deferrable constraint, so the staged writer updates and inserts
--    instead (its group is locked: nothing else writes it meanwhile).
alter table vulnerabilities drop constraint vulnerabilities_pkey;
alter table vulnerabilities add constraint vulnerabilities_pkey primary key (group_name, id) deferrable initially immediate;

-- 2. Documents (NVD records are ~5 KB of JSON) were compressed with pglz on their way into
--    TOAST, which cost a large share of the write (COPY of 50,000 NVD-sized documents, 252 MB, into
--    the embedded server: 2.7-3.1 s with pglz, 1.6-2.2 s stored uncompressed on a quiet machine;
--    13.7-16.2 s against 10.0-11.9 s under heavy load).
--    lz4 compresses JSON about as well at a small part of pglz's CPU; a server built without lz4 (the
--    embedded one is) stores documents uncompressed instead, at about three times the space (274 MB
--    instead of 88 MB for those 50,000): a scan reads a few documents, a sync writes them all.
--    Rows written before keep their compression: PostgreSQL reads both.
do $$
begin
  alter table vulnerabilities alter column doc set compression lz4;
exception when others then
  alter table vulnerabilities alter column doc set storage external;
end
$$;

-- 3. One row per (record, vendor:product) a record's CPE configurations name as vulnerable
--    (`cpeMatch[].vulnerable = true`): only such a criterion can make a component a match. Values
--    are the CPE 2.3 attributes unescaped and lower-cased (engine-client/cpe/name.ts). No store
--    written before holds records with `configurations` (no driver produced them, and the /v1
--    nvdv2 shape has no version bounds), so there is nothing to fill in for existing rows.
create table cpe_targets (
  group_name text not null,
  vuln_id    text not null,
  part       text not null,
  vendor     text not null,
  product    text not null
);
create index cpe_targets_lookup on cpe_targets (vendor, product);
create index cpe_targets_vuln on cpe_targets (group_name, vuln_id);
