-- airfeed engine schema v6: the two facts of a record the matcher reads beyond its affected rows,
-- its aliases and whether it is withdrawn (engine-client/match/aliases.ts), kept as columns written
-- at sync time (engine-client/sources/convert.ts takes them from the record), so a scan reads them
-- instead of casting every matched document to jsonb: with 5,000 lockfile packages matching ~2,000
-- advisories that cast was more than half of the scan (1.3-1.6 s of 1.7-3.3 s).
--
-- NULL means "not written by this version": rows stored before keep NULL until their record next
-- changes, and engine-client/store/records.ts reads the document for those, as before. The columns
-- are filled in place, not here, so the migration does not rewrite a store of 300,000 documents.
alter table vulnerabilities add column aliases text[], add column withdrawn boolean;
