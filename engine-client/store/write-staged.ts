/**
 * The staged writer (see write.ts): every write but a first sync.
 *
 * 1. the changes are streamed once and COPYed into a temp table (the record's fixed-in entries and
 *    CPE targets ride along as JSON arrays), so memory does not grow with the group;
 * 2. the last change per id wins; deletions (or, for a full snapshot, every id not in it) are removed;
 * 3. new or changed records are updated or inserted, and only their affected rows and CPE targets
 *    are rewritten, expanded from the staged arrays in SQL. Unchanged records are not touched, but
 *    for the record facts (aliases, withdrawn) a store made before migration 006 lacks.
 *
 * Updates and inserts are two statements rather than ON CONFLICT, which cannot use the deferrable
 * primary key (migration 005); the caller holds the group's lock, so no other writer interleaves.
 */
import { ChunkWriter, copyEscape, copyTextArray } from '../../drivers/_framework/pg/copy.ts';
import type { Tx } from './db.ts';
import { packageKey } from './package-key.ts';
import type { GroupWrite, WriteResult } from './write.ts';

/** Stages the changes; returns how many there were. */
async function stage(tx: Tx, input: GroupWrite): Promise<number> {
  await tx`drop table if exists pg_temp.engine_stage, pg_temp.engine_final, pg_temp.engine_changed`;
  await tx`create temp table engine_stage (
    n bigint not null, id text not null, deleted boolean not null,
    severity text, link text, doc text, affected jsonb, cpes jsonb, aliases text[], withdrawn boolean) on commit drop`;
  const copy = new ChunkWriter(await tx`copy engine_stage (n, id, deleted, severity, link, doc, affected, cpes, aliases, withdrawn) from stdin`.writable());
  let n = 0;
  try {
    for await (const c of input.changes) {
      n++;
      if (c.deleted) {
        await copy.write(`${n}\t${copyEscape(c.id)}\tt\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n`);
      } else {
        const link = c.link === null ? '\\N' : copyEscape(c.link);
        const affected = copyEscape(JSON.stringify(c.affected.map((a) => ({ ...a, key: packageKey(input.group, a.package) }))));
        const cpes = c.cpes.length === 0 ? '\\N' : copyEscape(JSON.stringify(c.cpes));
        await copy.write(`${n}\t${copyEscape(c.id)}\tf\t${c.severity}\t${link}\t${copyEscape(c.doc)}\t${affected}\t${cpes}\t${copyTextArray(c.aliases)}\t${c.withdrawn ? 't' : 'f'}\n`);
      }
      if (input.onProgress && n % 1000 === 0) input.onProgress(n);
    }
  } catch (err) {
    // End the COPY so the connection is usable for the rollback; the error wins.
    await copy.end().catch(() => undefined);
    throw err;
  }
  await copy.end();
  input.onProgress?.(n);
  return n;
}

/** Writes one group's changes through the stage; see the module comment. */
export async function writeStaged(tx: Tx, input: GroupWrite): Promise<WriteResult> {
  const { group } = input;
  const received = await stage(tx, input);
  // The last change of an id wins (a /v1 record updated while it was paged comes twice).
  await tx`create temp table engine_final on commit drop as
    select distinct on (id) id, deleted, severity, link, doc, affected, cpes, aliases, withdrawn from engine_stage order by id, n desc`;
  await tx`create unique index on engine_final (id)`;
  await tx`analyze engine_final`;

  const removed = input.mode === 'replace'
    ? await tx<{ n: number }[]>`
        with gone as (
          delete from vulnerabilities v where v.group_name = ${group}
            and not exists (select 1 from engine_final f where f.id = v.id and not f.deleted)
          returning v.id)
        select count(*)::int as n from gone`
    : await tx<{ n: number }[]>`
        with gone as (
          delete from vulnerabilities v using engine_final f where v.group_name = ${group} and v.id = f.id and f.deleted
          returning v.id)
        select count(*)::int as n from gone`;
  if (input.mode === 'replace') {
    await tx`delete from affected a where a.group_name = ${group}
      and not exists (select 1 from engine_final f where f.id = a.vuln_id and not f.deleted)`;
    await tx`delete from cpe_targets c where c.group_name = ${group}
      and not exists (select 1 from engine_final f where f.id = c.vuln_id and not f.deleted)`;
  } else {
    await tx`delete from affected a using engine_final f where a.group_name = ${group} and a.vuln_id = f.id and f.deleted`;
    await tx`delete from cpe_targets c using engine_final f where c.group_name = ${group} and c.vuln_id = f.id and f.deleted`;
  }

  await tx`create temp table engine_changed (id text primary key) on commit drop`;
  const updated = await tx<{ n: number }[]>`
    with up as (
      update vulnerabilities v set severity = f.severity, link = f.link, doc = f.doc, aliases = f.aliases, withdrawn = f.withdrawn
      from engine_final f
      where v.group_name = ${group} and v.id = f.id and not f.deleted
        and (v.severity, v.link, v.doc) is distinct from (f.severity, f.link, f.doc)
      returning v.id
    ), kept as (insert into engine_changed (id) select id from up returning id)
    select count(*)::int as n from kept`;
  const inserted = await tx<{ n: number }[]>`
    with ins as (
      insert into vulnerabilities (group_name, id, severity, link, doc, aliases, withdrawn)
      select ${group}, f.id, f.severity, f.link, f.doc, f.aliases, f.withdrawn from engine_final f
      where not f.deleted and not exists (select 1 from vulnerabilities v where v.group_name = ${group} and v.id = f.id)
      returning id
    ), kept as (insert into engine_changed (id) select id from ins returning id)
    select count(*)::int as n from kept`;
  // A record stored before migration 006 and unchanged since gets its facts now, without counting as changed.
  await tx`
    update vulnerabilities v set aliases = f.aliases, withdrawn = f.withdrawn
    from engine_final f
    where v.group_name = ${group} and v.id = f.id and not f.deleted and v.aliases is null`;
  await tx`delete from affected a using engine_changed c where a.group_name = ${group} and a.vuln_id = c.id`;
  await tx`delete from cpe_targets t using engine_changed c where t.group_name = ${group} and t.vuln_id = c.id`;
  await tx`
    insert into affected (group_name, vuln_id, pos, package, package_key, scheme, state, fixed, ranges, versions, channel, module, severity, link)
    select ${group}, f.id, e.pos::int, e.entry->>'package', e.entry->>'key', e.entry->>'scheme', e.entry->>'state', e.entry->>'fixed',
           nullif(e.entry->'ranges', 'null'::jsonb), nullif(e.entry->'versions', 'null'::jsonb), e.entry->>'channel', e.entry->>'module', f.severity, f.link
    from engine_changed c join engine_final f on f.id = c.id
    cross join lateral jsonb_array_elements(f.affected) with ordinality as e(entry, pos)`;
  await tx`
    insert into cpe_targets (group_name, vuln_id, part, vendor, product)
    select ${group}, f.id, t.part, t.vendor, t.product
    from engine_changed c join engine_final f on f.id = c.id
    cross join lateral jsonb_to_recordset(f.cpes) as t(part text, vendor text, product text)
    where f.cpes is not null`;

  return { received, upserts: (updated[0]?.n ?? 0) + (inserted[0]?.n ?? 0), deletions: removed[0]?.n ?? 0, path: 'staged' };
}
