/**
 * The installed rpm packages as `rpm -qa` prints them (query formats: https://rpm-software-management.github.io/rpm/manual/queryformat.html).
 * Write the list with
 *
 *   rpm -qa --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{SOURCERPM}\t%{MODULARITYLABEL}\n'
 *
 * which gives each package's epoch (`(none)` when it has none, read as no epoch; `0:` is dropped,
 * any other epoch kept as `E:V-R`, as Red Hat's advisories write fixed versions), its source rpm
 * (`openssl-3.0.7-27.el9.src.rpm` → source `openssl`, version `3.0.7-27.el9` with the binary's epoch,
 * see source-package.ts) and its module (`nodejs:18:8090020231019152822:a75119d5` → stream
 * `nodejs:18`; `(none)` outside modules; rpm-module.ts): a module package is matched only against
 * entries of its stream. The three-column form without `%{MODULARITYLABEL}` (and `%{EPOCHNUM}` for
 * the epoch) is read too; it cannot say whether a package is in a module.
 * Plain `rpm -qa` NEVRA lines (`openssl-libs-3.0.7-27.el9.x86_64`) are read too, as a fallback: they
 * carry no source rpm and no epoch, so matching is weaker. `gpg-pubkey` entries (imported signing
 * keys, not software) are skipped. Streamed line by line.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import { moduleOfLabel } from './rpm-module.ts';
import type { TextInputParser } from './parser.ts';
import { rpmSource, withEpoch } from './source-package.ts';
import type { InstalledPackage, Inventory } from './types.ts';

const QF = /^([^\t\s]+)\t(?:(\d+|\(none\)):)?([^\t:]+)-([^\t-]+)\t([^\t]+)(?:\t([^\t]*))?$/;
const NEVRA = /^(.+)-(?:(\d+):)?([^-:\s]+)-([^-\s]+)\.([A-Za-z0-9_]+)$/;
const ARCHES = new Set([
  'noarch', 'x86_64', 'i386', 'i486', 'i586', 'i686', 'athlon', 'aarch64', 'armv6hl', 'armv7hl', 'armv7l',
  'ppc', 'ppc64', 'ppc64le', 'ppc64p7', 's390', 's390x', 'riscv64', 'ia64', 'loongarch64', 'mips64el', 'src', 'nosrc',
]);
const FORM = 'NAME<TAB>EPOCH:VERSION-RELEASE<TAB>SOURCERPM[<TAB>MODULARITYLABEL] or NAME-VERSION-RELEASE.ARCH';

/** One line of rpm -qa output as a package; null for a skipped gpg-pubkey line, a string saying what is wrong otherwise. */
export function parseRpmQaLine(line: string): { name: string; version: string; sourceRpm?: string; module?: string } | null | string {
  if (line.includes('\t')) {
    const m = QF.exec(line);
    if (m?.[1] === undefined || m[3] === undefined || m[4] === undefined || m[5] === undefined) {
      return `line ${quoteLine(line)} is not ${FORM}`;
    }
    if (m[1] === 'gpg-pubkey') return null;
    const version = withEpoch(m[2], `${m[3]}-${m[4]}`);
    const module = moduleOfLabel(m[6]);
    if (m[6] !== undefined && module === undefined) return `line ${quoteLine(line)}: MODULARITYLABEL ${JSON.stringify(m[6])} is not name:stream:version:context or (none)`;
    return { name: m[1], version, ...(m[5] === '(none)' ? {} : { sourceRpm: m[5] }), ...(module === undefined ? {} : { module }) };
  }
  if (line.startsWith('gpg-pubkey-')) return null;
  const m = NEVRA.exec(line);
  if (m?.[1] === undefined || m[3] === undefined || m[4] === undefined || !ARCHES.has(m[5] ?? '')) {
    return `line ${quoteLine(line)} is not ${FORM}`;
  }
  return { name: m[1], version: withEpoch(m[2], `${m[3]}-${m[4]}`) };
}

/** The inventory of an rpm -qa output `file`, streamed. */
export async function parseRpmQa(file: string): Promise<Inventory> {
  const packages: InstalledPackage[] = [];
  for await (const [n, raw] of readLines(file)) {
    const line = raw.trim();
    if (line === '') continue;
    const r = parseRpmQaLine(line);
    if (r === null) continue;
    if (typeof r === 'string') throw inputError(atLine(file, n), r, undefined, { file, line: n });
    const pkg: InstalledPackage = { name: r.name, version: r.version, kind: 'rpm', location: atLine(file, n) };
    if (r.module !== undefined) pkg.module = r.module;
    if (r.sourceRpm !== undefined) {
      const source = rpmSource(r.sourceRpm, r.version);
      if (source === undefined) {
        const what = `source rpm ${JSON.stringify(r.sourceRpm)} of ${r.name} is not NAME-VERSION-RELEASE.src.rpm`;
        throw inputError(atLine(file, n), what, undefined, { file, line: n });
      }
      pkg.source = source;
    }
    packages.push(pkg);
  }
  return { file, format: 'rpm-qa', packages };
}

/** The rpm -qa format: the first line is a --qf line or a NEVRA. */
export const rpmQa: TextInputParser = {
  format: 'rpm-qa',
  input: 'text',
  describe: 'rpm -qa output',
  matches: (head) => head[0] !== undefined && typeof parseRpmQaLine(head[0].trim()) !== 'string',
  parse: parseRpmQa,
};
