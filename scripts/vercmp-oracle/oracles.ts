/**
 * The real implementations the differential check asks (scripts/vercmp-oracle.ts), each driven in
 * one batch process: pairs go in as `hex(utf8(a))<TAB>hex(utf8(b))` lines (so spaces, tabs and
 * newlines inside versions survive), one answer line comes back per pair: `-1`, `0`, `1` or
 * `ERR <reason>`; dpkg adds `<TAB>warning: …` when it warned.
 *
 * Installing them (Debian): `apt-get install -y dpkg rpm python3-packaging ruby libmaven3-core-java
 * default-jdk-headless golang-go golang-golang-x-mod-dev librust-semver-dev cargo`; node-semver is
 * the `semver` package from npm (resolved from this checkout's node_modules, or NODE_SEMVER_DIR).
 * There is no oracle for apk (apk-tools is not packaged for Debian) or NuGet (no .NET here).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** One oracle: `missing()` says why it cannot run here (null when it can); `run` answers every pair. */
export interface Oracle {
  readonly name: string;
  missing(): string | null;
  run(pairs: readonly (readonly [string, string])[], work: string): Promise<string[]>;
}

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
const has = (file: string): boolean => fs.existsSync(file);

/** Runs `cmd args` with the hex pair lines on stdin; returns its stdout lines (one per pair). */
function batch(cmd: string, args: readonly string[], pairs: readonly (readonly [string, string])[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = Buffer.concat(out).toString('utf8').split('\n');
      lines.pop();
      if (lines.length !== pairs.length) {
        reject(new Error(`${cmd} answered ${lines.length} of ${pairs.length} pairs (exit ${code}): ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`));
      } else resolve(lines);
    });
    child.stdin.on('error', () => undefined); // a crashed oracle is reported by 'close' with its stderr
    child.stdin.end(pairs.map(([a, b]) => `${hex(a)}\t${hex(b)}\n`).join(''));
  });
}

const PY = '/usr/bin/python3';

const DPKG_DRIVER = `
import re, subprocess, sys
def run(a, op, b):
    p = subprocess.run(['dpkg', '--compare-versions', a, op, b], capture_output=True)
    return p.returncode, p.stderr.decode('utf-8', 'replace')
for line in sys.stdin:
    ha, hb = line.rstrip('\\n').split('\\t')
    a, b = bytes.fromhex(ha), bytes.fromhex(hb)
    rc, err = run(a, b'lt', b)
    if rc == 0: r = '-1'
    elif rc == 1:
        rc2, err2 = run(a, b'gt', b)
        r = '1' if rc2 == 0 else '0' if rc2 == 1 else 'ERR ' + err2
    else: r = 'ERR ' + err
    warn = ' | '.join(re.findall(r'dpkg: warning: version .*?has bad syntax: (.*?)\\n', err, re.S))
    r = ' '.join(r.split())
    print(r + ('\\t' + warn if warn and not r.startswith('ERR') else ''), flush=False)
`;

const PEP440_DRIVER = `
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin:
    a, b = (bytes.fromhex(h).decode('utf-8') for h in line.rstrip('\\n').split('\\t'))
    try:
        va, vb = Version(a), Version(b)
        print(-1 if va < vb else 1 if va > vb else 0)
    except InvalidVersion as e:
        print('ERR ' + ' '.join(str(e).split()))
`;

const GEM_DRIVER = `
STDIN.each_line do |line|
  a, b = line.chomp.split("\\t", -1).map { |h| [h].pack('H*').force_encoding('UTF-8') }
  begin
    puts(Gem::Version.new(a) <=> Gem::Version.new(b))
  rescue ArgumentError => e
    puts "ERR #{e.message.split.join(' ')}"
  end
end
`;

const MAVEN_DRIVER = `
import java.io.*;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;
public class MavenOracle {
  static String unhex(String h) {
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    return new String(b, StandardCharsets.UTF_8);
  }
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.split("\\t", -1);
      try {
        out.println(Integer.signum(new ComparableVersion(unhex(p[0])).compareTo(new ComparableVersion(unhex(p[1])))));
      } catch (RuntimeException e) {
        out.println("ERR " + String.valueOf(e).replaceAll("\\\\s+", " "));
      }
    }
    out.flush();
  }
}
`;

const SEMVER_DRIVER = `
import { createRequire } from 'node:module';
import readline from 'node:readline';
const semver = createRequire(process.env.SEMVER_FROM)('semver');
const unhex = (h) => Buffer.from(h, 'hex').toString('utf8');
const out = [];
for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const [a, b] = line.split('\\t').map(unhex);
  try { out.push(String(semver.compare(a, b))); } catch (e) { out.push('ERR ' + String(e.message).split(/\\s+/).join(' ')); }
}
process.stdout.write(out.join('\\n') + '\\n');
`;

const GO_DRIVER = `package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "\\t", 2)
		a, _ := hex.DecodeString(p[0])
		b, _ := hex.DecodeString(p[1])
		if !semver.IsValid(string(a)) || !semver.IsValid(string(b)) {
			fmt.Fprintln(w, "ERR invalid (x/mod/semver.IsValid is false)")
			continue
		}
		fmt.Fprintln(w, semver.Compare(string(a), string(b)))
	}
}
`;

const CRATES_DRIVER = `use std::io::{self, BufRead, Write};
fn unhex(s: &str) -> String {
    let b: Vec<u8> = (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect();
    String::from_utf8_lossy(&b).into_owned()
}
fn main() {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout());
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let mut it = line.splitn(2, '\\t');
        let a = unhex(it.next().unwrap_or(""));
        let b = unhex(it.next().unwrap_or(""));
        match (semver::Version::parse(&a), semver::Version::parse(&b)) {
            (Ok(x), Ok(y)) => {
                // SemVer precedence: build metadata ignored.
                let o = (x.major, x.minor, x.patch, &x.pre).cmp(&(y.major, y.minor, y.patch, &y.pre));
                writeln!(out, "{}", o as i32).unwrap();
            }
            (Err(e), _) | (_, Err(e)) => writeln!(out, "ERR {}", e).unwrap(),
        }
    }
}
`;

/** Writes a driver source once into the work folder. */
function source(work: string, name: string, text: string): string {
  const file = path.join(work, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** A Lua string literal with every byte escaped (rpm's embedded Lua reads the pairs from it). */
const lua = (s: string): string => `"${[...Buffer.from(s, 'utf8')].map((b) => `\\${b}`).join('')}"`;

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAVEN_JAR = process.env['MAVEN_ARTIFACT_JAR'] ?? '/usr/share/java/maven-artifact-3.x.jar';
const GOPATH = '/usr/share/gocode';

function semverFrom(): string | null {
  const from = process.env['NODE_SEMVER_DIR'] ?? ROOT;
  try {
    createRequire(path.join(from, 'package.json')).resolve('semver');
    return path.join(from, 'package.json');
  } catch {
    return null;
  }
}

/** Every oracle by scheme name. */
export const ORACLES: Record<string, Oracle> = {
  dpkg: {
    name: 'dpkg --compare-versions',
    missing: () => (has('/usr/bin/dpkg') && has(PY) ? null : 'needs /usr/bin/dpkg and /usr/bin/python3'),
    run: (pairs, work) => batch(PY, [source(work, 'dpkg.py', DPKG_DRIVER)], pairs),
  },
  rpm: {
    name: 'rpm --eval %{lua: rpm.vercmp(a, b)}',
    missing: () => (has('/usr/bin/rpm') ? null : 'needs /usr/bin/rpm (apt-get install rpm)'),
    run: async (pairs, work) => {
      const data = source(work, 'rpm-pairs.lua', `return {\n${pairs.map(([a, b]) => `{${lua(a)},${lua(b)}},`).join('\n')}\n}\n`);
      const script = `%{lua: for _, p in ipairs(dofile("${data}")) do local ok, r = pcall(rpm.vercmp, p[1], p[2]); if ok then io.write(tostring(r), "\\n") else io.write("ERR ", (tostring(r):gsub("%s+", " ")), "\\n") end end}`;
      const text = execFileSync('/usr/bin/rpm', ['--eval', script], { encoding: 'utf8', maxBuffer: 1 << 28 });
      return text.split('\n').slice(0, pairs.length);
    },
  },
  pep440: {
    name: `packaging.version.Version (${PY})`,
    missing: () => {
      try {
        execFileSync(PY, ['-c', 'import packaging.version'], { stdio: 'ignore' });
        return null;
      } catch {
        return 'needs /usr/bin/python3 with packaging (apt-get install python3-packaging)';
      }
    },
    run: (pairs, work) => batch(PY, [source(work, 'pep440.py', PEP440_DRIVER)], pairs),
  },
  gem: {
    name: 'Gem::Version <=> (ruby)',
    missing: () => (has('/usr/bin/ruby') ? null : 'needs /usr/bin/ruby (apt-get install ruby)'),
    run: (pairs, work) => batch('/usr/bin/ruby', [source(work, 'gem.rb', GEM_DRIVER)], pairs),
  },
  maven: {
    name: `ComparableVersion (${MAVEN_JAR})`,
    missing: () => (has(MAVEN_JAR) && has('/usr/bin/javac') ? null : `needs ${MAVEN_JAR} and javac (apt-get install libmaven3-core-java default-jdk-headless)`),
    run: (pairs, work) => {
      const dir = path.join(work, 'maven');
      execFileSync('/usr/bin/javac', ['-cp', MAVEN_JAR, '-d', dir, source(work, 'maven/MavenOracle.java', MAVEN_DRIVER)]);
      return batch('/usr/bin/java', ['-cp', `${MAVEN_JAR}:${dir}`, 'MavenOracle'], pairs);
    },
  },
  semver: {
    name: 'node-semver compare()',
    missing: () => (semverFrom() === null ? 'needs the npm package semver (npm ci, or NODE_SEMVER_DIR)' : null),
    run: (pairs, work) => batch(process.execPath, [source(work, 'semver.mjs', SEMVER_DRIVER)], pairs, { ...process.env, SEMVER_FROM: semverFrom() ?? '' }),
  },
  go: {
    name: 'golang.org/x/mod/semver (Debian golang-golang-x-mod-dev)',
    missing: () => (has('/usr/bin/go') && has(`${GOPATH}/src/golang.org/x/mod/semver`) ? null : 'needs golang-go and golang-golang-x-mod-dev'),
    run: (pairs, work) => {
      const bin = path.join(work, 'go-oracle');
      const env = { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: path.join(work, 'gocache') };
      execFileSync('/usr/bin/go', ['build', '-o', bin, source(work, 'go/main.go', GO_DRIVER)], { env, cwd: path.join(work, 'go') });
      return batch(bin, [], pairs);
    },
  },
  crates: {
    name: 'dtolnay semver::Version (Debian librust-semver-dev)',
    missing: () => {
      const reg = '/usr/share/cargo/registry';
      const ok = has(reg) && fs.readdirSync(reg).some((d) => d.startsWith('semver-1.')) && has(path.join(process.env['HOME'] ?? '/root', '.cargo/bin/cargo'));
      return ok ? null : 'needs cargo and librust-semver-dev';
    },
    run: (pairs, work) => {
      const dir = path.join(work, 'crates');
      source(work, 'crates/Cargo.toml', '[package]\nname = "crates-oracle"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nsemver = "1"\n');
      source(work, 'crates/.cargo/config.toml', '[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n\n[net]\noffline = true\n');
      source(work, 'crates/src/main.rs', CRATES_DRIVER);
      const cargo = path.join(process.env['HOME'] ?? '/root', '.cargo/bin/cargo');
      execFileSync(cargo, ['build', '--release', '--quiet'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      return batch(path.join(dir, 'target/release/crates-oracle'), [], pairs);
    },
  },
};
