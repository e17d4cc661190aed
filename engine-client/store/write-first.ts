/**
 * The first sync of a group (see write.ts): the engine holds none of its rows, the whole group
 * arrives, and the source sends each id at most once. Nothing needs diffing, so no stage: records
 * are COPYed straight into `vulnerabilities` as they arrive (each ~3.7 KB document written once, not
 * three times through two temp tables), their affected rows and CPE targets are written to spool
 * files in COPY format on the way and COPYed into their tables afterwards (one connection runs one
 * COPY at a time). Tombstones in the snapshot name ids the group does not hold: counted, not written.
 *
 * The primary key is deferred during the COPY, so a repeated id (a broken source) is reported by
 * SET CONSTRAINTS ... IMMEDIATE, naming it, and the transaction rolls back (migration 005 says why
 * the COPY itself must not fail at its end).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { ChunkWriter, copyEscape, copyTextArray } from '../../drivers/_framework/pg/copy.ts';
import type { Tx } from './db.ts';
import { packageKey } from './package-key.ts';
import type { GroupWrite, WriteResult } from './write.ts';

const NULL = '\\N';
const text = (v: string | null): string => (v === null ? NULL : copyEscape(v));
const json = (v: unknown): string => (v === null ? NULL : copyEscape(JSON.stringify(v)));

/** COPYs a spooled file (COPY text format) into a table. */
async function copyFile(tx: Tx, file: string, into: 'affected' | 'cpe_targets'): Promise<void> {
  const target = into === 'affected'
    ? await tx`copy affected (group_name, vuln_id, pos, package, package_key, scheme, state, fixed, ranges, versions, channel, module, severity, link) from stdin`.writable()
    : await tx`copy cpe_targets (group_name, vuln_id, part, vendor, product) from stdin`.writable();
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), target);
}

/** Writes a group that the engine does not hold yet; see the module comment. */
export async function writeFirst(tx: Tx, input: GroupWrite): Promise<WriteResult> {
  const { group } = input;
  const parent = input.spoolDir ?? os.tmpdir();
  await fs.mkdir(parent, { recursive: true });
  const spool = await fs.mkdtemp(path.join(parent, 'airfeed-engine-first-'));
  try {
    const affectedFile = path.join(spool, 'affected.copy');
    const cpeFile = path.join(spool, 'cpe_targets.copy');
    const affectedOut = new ChunkWriter(createWriteStream(affectedFile));
    const cpeOut = new ChunkWriter(createWriteStream(cpeFile));
    const g = copyEscape(group);
    await tx`set constraints vulnerabilities_pkey deferred`;
    const copy = new ChunkWriter(await tx`copy vulnerabilities (group_name, id, severity, link, doc, aliases, withdrawn) from stdin`.writable());
    let received = 0;
    let upserts = 0;
    let affectedRows = 0;
    let ending = false;
    try {
      for await (const c of input.changes) {
        received++;
        if (!c.deleted) {
          upserts++;
          const id = copyEscape(c.id);
          const link = text(c.link);
          await copy.write(`${g}\t${id}\t${c.severity}\t${link}\t${copyEscape(c.doc)}\t${copyTextArray(c.aliases)}\t${c.withdrawn ? 't' : 'f'}\n`);
          for (let i = 0; i < c.affected.length; i++) {
            const a = c.affected[i];
            if (a === undefined) continue;
            affectedRows++;
            await affectedOut.write(
              `${g}\t${id}\t${i + 1}\t${copyEscape(a.package)}\t${copyEscape(packageKey(group, a.package))}\t${copyEscape(a.scheme)}\t${a.state}\t` +
                `${text(a.fixed)}\t${json(a.ranges)}\t${json(a.versions)}\t${text(a.channel)}\t${text(a.module)}\t${c.severity}\t${link}\n`,
            );
          }
          for (const t of c.cpes) await cpeOut.write(`${g}\t${id}\t${copyEscape(t.part)}\t${copyEscape(t.vendor)}\t${copyEscape(t.product)}\n`);
        }
        if (input.onProgress && received % 1000 === 0) input.onProgress(received);
      }
      ending = true;
      await copy.end();
      await tx`set constraints vulnerabilities_pkey immediate`;
    } catch (err) {
      // End the COPY (once) so the connection is usable for the rollback; the error wins.
      if (!ending) await copy.end().catch(() => undefined);
      await Promise.allSettled([affectedOut.end(), cpeOut.end()]);
      const pg = err as { code?: string; detail?: string };
      if (pg.code === '23505') {
        const id = /^Key \(group_name, id\)=\(.*?, (.*)\) already exists\.$/.exec(pg.detail ?? '')?.[1] ?? '(unknown)';
        const message = `group ${group}: record ${id} comes more than once in one full snapshot`;
        throw input.onDuplicate ? input.onDuplicate(message, err) : new AirfeedError('ENGINE_SOURCE_INVALID', message, { cause: err, details: { group, id } });
      }
      throw err;
    }
    input.onProgress?.(received);
    await affectedOut.end();
    await cpeOut.end();
    await copyFile(tx, affectedFile, 'affected');
    await copyFile(tx, cpeFile, 'cpe_targets');
    // The lookup tables just grew by a whole group: plan the scans' lookups with that known.
    await tx`analyze affected`;
    await tx`analyze cpe_targets`;
    // The group held nothing before: what was written is all it has.
    return { received, upserts, deletions: 0, path: 'first', counts: { records: upserts, affected: affectedRows } };
  } finally {
    await fs.rm(spool, { recursive: true, force: true });
  }
}
