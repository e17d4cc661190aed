/** Shared set-up for the engine source tests: a real feed service on loopback, row snapshots. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Sql } from '../../../feed-service/storage/db.ts';
import { createTestDb, type TestDb } from '../../helpers/db.ts';
import type { MirrorSpec } from '../../helpers/mirror.ts';
import { type AlpineHome, alpineHome, makeApp } from '../../service/service-helpers.ts';

export interface LoopbackService {
  url: string;
  db: TestDb;
  alpine: AlpineHome;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A feed service database synced from an alpine mirror of `spec`, served on 127.0.0.1 (a free port). */
export async function startService(spec: MirrorSpec): Promise<LoopbackService> {
  const db = await createTestDb();
  const alpine = await alpineHome(db.sql, spec);
  const report = await alpine.sync();
  if (report.status === 'failed') throw new Error('alpine sync failed');
  const app = await makeApp(db.sql);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    alpine,
    app,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** Every affected row as `group vuln package fixed`, sorted: equal across engines holding the same data. */
export async function affectedSet(sql: Sql): Promise<string[]> {
  const rows = await sql<{ g: string; v: string; p: string; f: string | null }[]>`
    select group_name as g, vuln_id as v, package as p, fixed as f from affected`;
  return rows.map((r) => `${r.g} ${r.v} ${r.p} ${r.f ?? 'None'}`).sort();
}

/** Everything a refused write must leave as it was: groups (with cursors), vulnerabilities, affected rows. */
export async function engineState(sql: Sql): Promise<unknown> {
  const groups = await sql`select * from groups order by name`;
  const vulns = await sql`select group_name, id, severity, link, doc from vulnerabilities order by group_name, id`;
  const affected = await sql`select * from affected order by group_name, vuln_id, pos`;
  return { groups: [...groups], vulns: [...vulns], affected: [...affected] };
}
