#!/usr/bin/env node
// `postinstall`: fixes, in node_modules, a defect of a dependency that upstream has not released a
// fix for yet. Each patch names its upstream issue, is applied only to the exact text it was written
// for (so an upgrade that changes the code is reported, never patched blindly), and is idempotent.
// test/storage/dead-connection.test.ts fails when a patch is missing.
//
// postgres (porsager) 3.4.9 — https://github.com/porsager/postgres/issues/1208 (also #1066, #1154;
// the fix of PR #1209): a query written to a connection whose server just died (a killed or
// crashed PostgreSQL while a transaction or a reserved connection is in use) is sent from a
// setImmediate after `closed()` set `socket` to null, throws a TypeError there that no caller can
// catch, and ends the process (`airfeed serve` with it). The guard rejects the pending queries with
// the library's own CONNECTION_CLOSED error instead, which the caller's await receives.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MARK = 'airfeed: porsager/postgres#1208';
const PATCHES = [
  {
    files: ['node_modules/postgres/src/connection.js', 'node_modules/postgres/cjs/src/connection.js'],
    find: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n',
    replace:
      '  function nextWrite(fn) {\n' +
      `    // ${MARK}: the socket closed before this write; settle the queries instead of throwing.\n` +
      "    if (!socket) { chunk = nextWriteTimer = null; error(Errors.connection('CONNECTION_CLOSED', options)); return false }\n" +
      '    const x = socket.write(chunk, fn)\n',
  },
];

let problems = 0;
for (const patch of PATCHES) {
  for (const rel of patch.files) {
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) continue; // not installed (e.g. a production install without it)
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes(MARK)) continue;
    if (!text.includes(patch.find)) {
      problems++;
      console.warn(`airfeed postinstall: ${rel} does not hold the code the ${MARK} patch was written for (a newer version?): not patched; check whether the upstream fix is in it`);
      continue;
    }
    fs.writeFileSync(file, text.replace(patch.find, patch.replace));
  }
}
// A missing patch is reported (and fails its test); it never fails the install.
if (problems > 0) console.warn(`airfeed postinstall: ${problems} patch(es) not applied`);
