-- airfeed engine schema v4: affected rows carry the Red Hat module stream an entry is limited to
-- (record `fixedIn[].moduleStream`, e.g. `nodejs:18`): a package built in a module stream matches
-- only entries of that stream (engine-client/match/rpm-module.ts). Null outside modules, and for
-- every row written before.
alter table affected add column module text;
