#!/usr/bin/env node
// The embedded PostgreSQL's keeper (see embedded.ts). Plain JavaScript with no dependencies, so it
// starts in milliseconds and runs the same from the sources or a build.
//
// It runs detached (its own session, so a Ctrl-C meant for the CLI does not reach it) and:
//   1. starts the postmaster as its child (or adopts one already running, by pid), with the
//      parent-death signal set through util-linux `setpriv` where available, so a kill -9 of the
//      keeper itself still ends the server;
//   2. every POLL_MS looks at <dir>/leases/: one file per airfeed process using the server, named by
//      its pid. Leases of dead processes are removed; when none is left, it stops the server with a
//      fast shutdown (SIGINT) and exits. A kill -9 of every user therefore ends the server within a
//      second, and a normal exit (lease removed) ends it at once;
//   3. exits too when the postmaster dies on its own, so the next airfeed process starts a new one.
//
// Usage: node watchdog.mjs <config-json>; the config is written by embedded.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const POLL_MS = 250;
const STOP_GRACE_MS = 20_000;

const cfg = JSON.parse(process.argv[2] ?? '{}');
const leasesDir = path.join(cfg.dir, 'leases');
const pidFile = path.join(cfg.dir, 'watchdog.pid');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function liveLeases() {
  let names;
  try {
    names = fs.readdirSync(leasesDir);
  } catch {
    return 0;
  }
  let live = 0;
  for (const name of names) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) live++;
    else fs.rmSync(path.join(leasesDir, name), { force: true });
  }
  return live;
}

let pgPid = cfg.adoptPid ?? null;
let child = null;
let exited = false;
let stopping = false;

function finish(code) {
  try {
    if (Number(fs.readFileSync(pidFile, 'utf8')) === process.pid) fs.rmSync(pidFile, { force: true });
  } catch {
    // already gone
  }
  process.exit(code);
}

function stop(reason) {
  if (stopping) return;
  stopping = true;
  log(`stopping the server: ${reason}`);
  if (pgPid !== null && !exited) {
    try {
      process.kill(pgPid, 'SIGINT');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  const wait = setInterval(() => {
    const gone = child ? exited : pgPid === null || !alive(pgPid);
    if (gone) {
      clearInterval(wait);
      finish(0);
    } else if (Date.now() > deadline) {
      try {
        process.kill(pgPid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  }, 50);
}

function log(message) {
  try {
    fs.appendFileSync(cfg.logFile, `${new Date().toISOString()} airfeed watchdog[${process.pid}]: ${message}\n`);
  } catch {
    // logging is best effort
  }
}

fs.writeFileSync(pidFile, `${process.pid}\n`);
process.on('SIGTERM', () => stop('asked to (SIGTERM)'));
process.on('SIGINT', () => stop('asked to (SIGINT)'));
process.on('SIGHUP', () => undefined);

if (pgPid === null) {
  const out = fs.openSync(cfg.logFile, 'a', 0o600);
  const pdeath = cfg.setpriv ? [cfg.setpriv, '--pdeathsig', 'SIGINT', '--'] : [];
  const argv = [...pdeath, cfg.postgres, '-D', cfg.dataDir, '-p', String(cfg.port), ...cfg.flags];
  child = spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', out, out],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(cfg.uid !== undefined ? { uid: cfg.uid, gid: cfg.gid } : {}),
  });
  pgPid = child.pid ?? null;
  child.on('exit', (code, signal) => {
    exited = true;
    if (!stopping) {
      log(`the server exited by itself (code ${code}, signal ${signal})`);
      finish(1);
    }
  });
  child.on('error', (err) => {
    exited = true;
    log(`cannot start ${cfg.postgres}: ${err.message}`);
    finish(1);
  });
  log(`started postgres pid ${pgPid} on port ${cfg.port}`);
} else {
  log(`adopted running postgres pid ${pgPid}`);
}

setInterval(() => {
  if (stopping) return;
  if (child === null && !alive(pgPid)) {
    log('the adopted server is gone');
    finish(1);
  }
  if (liveLeases() === 0) stop('no airfeed process uses it any more');
}, POLL_MS);
