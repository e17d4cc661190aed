/**
 * Child process for the crash test: imports a bundle and reports progress on stdout, one line per
 * event (`phase <name>`, `tick <records so far>`, `done`), so the parent can kill it mid-apply.
 * Usage: node --import tsx test/bundles/import-child.ts <databaseUrl> <bundle.tar> <trusted.pub.pem> <spoolDir>
 */
import { importBundle } from '../../feed-service/bundles/import.ts';
import { loadTrust } from '../../bundles/keys.ts';
import { createSql } from '../../feed-service/storage/db.ts';

const [url = '', file = '', pub = '', spoolDir = ''] = process.argv.slice(2);
const sql = createSql(url, { max: 4 });
let count = 0;
const result = await importBundle(sql, file, {
  trust: await loadTrust([pub]),
  spoolDir,
  wait: true,
  progress: {
    phase(name) {
      count = 0;
      process.stdout.write(`phase ${name}\n`);
    },
    tick(n = 1) {
      count += n;
      process.stdout.write(`tick ${count}\n`);
    },
  },
});
process.stdout.write(`done ${result.status}\n`);
await sql.end({ timeout: 5 });
