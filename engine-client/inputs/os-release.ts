/**
 * Distro names and versions, as /etc/os-release and SBOMs give them, turned into the release the
 * feed groups are named by (`alpine:3.20`, `debian:12`, `ubuntu:22.04`, `rhel:9`). Every SBOM
 * parser goes through distroFrom, so the mapping lives in one place.
 * os-release: https://www.freedesktop.org/software/systemd/man/latest/os-release.html
 *
 * Rules: Alpine keeps major.minor, and a prerelease (`3.21_alpha20240807`) or a PRETTY_NAME with
 * "edge" is `edge`. Debian keeps the major; no VERSION_ID (testing, sid) is `unstable`. Ubuntu keeps
 * YY.MM. Codenames (`bookworm`, `jammy`) are read through the names table (drivers/_framework/names.ts). RHEL and its rebuilds (ID or ID_LIKE `rhel`: CentOS Stream, Rocky, AlmaLinux) are `rhel:<major>`,
 * since Red Hat's advisories cover them; a rebuild keeps its own id in `rebuild` (`{id: 'rhel',
 * release: '9', rebuild: 'rocky'}`) so the scan says whose data it matched against. Oracle Linux stays `ol:<major>`: Oracle publishes its own
 * advisories (ELSA) for its own builds, and the Anchore feed has `ol:N` groups. Other ids keep their
 * id and VERSION_ID.
 */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { readInputFile } from '../../drivers/_framework/files.ts';
import { releaseOfCodename } from '../../drivers/_framework/names.ts';
import { atLine, inputError, quoteLine } from './errors.ts';
import { stripBom } from './io.ts';
import type { Distro } from './types.ts';

/** What else an input may say about the distro, beyond its id and version. */
export interface DistroHints {
  /** os-release ID_LIKE (or syft's `idLike`): the distros this one derives from. */
  idLike?: readonly string[];
  /** os-release PRETTY_NAME: Alpine edge says "edge" only there. */
  prettyName?: string;
}

const RHEL_FAMILY = new Set(['rhel', 'redhat', 'centos', 'rocky', 'almalinux']);
// Debian testing has no number of its own either; its packages are matched against unstable's.
const DEBIAN_UNSTABLE = new Set(['unstable', 'testing']);

/** The feed namespace of a distro release: `alpine:3.20`. */
export function distroNamespace(d: Distro): string {
  return `${d.id}:${d.release}`;
}

/** The distro release for an id and version as an input names them; undefined when the release cannot be told. */
export function distroFrom(name: string, version: string | undefined, hints: DistroHints = {}): Distro | undefined {
  const id = name.trim().toLowerCase();
  const v = version?.trim() ?? '';
  if (id === '') return undefined;
  const lower = v.toLowerCase();
  if (id === 'alpine') {
    if (/edge/i.test(v) || /\bedge\b/i.test(hints.prettyName ?? '') || v.includes('_')) return { id, release: 'edge' };
    if (v === '') return undefined;
    return { id, release: /^(\d+\.\d+)/.exec(v)?.[1] ?? v };
  }
  if (id === 'debian') {
    if (v === '' || DEBIAN_UNSTABLE.has(lower)) return { id, release: 'unstable' };
    return { id, release: releaseOfCodename('debian', lower) ?? /^(\d+)/.exec(v)?.[1] ?? lower };
  }
  if (v === '') return undefined;
  if (id === 'ubuntu') return { id, release: releaseOfCodename('ubuntu', lower) ?? /^(\d+\.\d+)/.exec(v)?.[1] ?? v };
  const major = /^(\d+)/.exec(v)?.[1] ?? v;
  if (id === 'ol') return { id, release: major };
  if (RHEL_FAMILY.has(id) || (hints.idLike ?? []).some((l) => l.toLowerCase() === 'rhel')) {
    return id === 'rhel' || id === 'redhat' ? { id: 'rhel', release: major } : { id: 'rhel', release: major, rebuild: id };
  }
  return { id, release: v };
}

/** The distro of an os-release file's text; `file` names it in errors. */
export function parseOsRelease(text: string, file: string): Distro {
  const fields = new Map<string, string>();
  stripBom(text)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!m?.[1]) throw inputError(atLine(file, i + 1), `line ${quoteLine(raw)} is not KEY=value`, undefined, { file, line: i + 1 });
      fields.set(m[1], unquote(m[2] ?? '', file, i + 1));
    });
  const id = fields.get('ID');
  if (id === undefined || id === '') {
    throw new AirfeedError('SCAN_DISTRO_UNKNOWN', `${file}: has no ID=, so the distro is unknown`, { details: { file } });
  }
  const hints: DistroHints = { idLike: (fields.get('ID_LIKE') ?? '').split(/\s+/).filter((s) => s !== '') };
  const pretty = fields.get('PRETTY_NAME');
  const distro = distroFrom(id, fields.get('VERSION_ID'), pretty === undefined ? hints : { ...hints, prettyName: pretty });
  if (!distro) {
    throw new AirfeedError('SCAN_DISTRO_UNKNOWN', `${file}: ID=${id} has no VERSION_ID, so the release is unknown`, { details: { file } });
  }
  return distro;
}

/** Reads and parses an os-release file (`--os-release <file>`). */
export async function readOsRelease(file: string): Promise<Distro> {
  const text = (await readInputFile('os-release file', file, 'SCAN_INPUT_INVALID')).toString('utf8');
  return parseOsRelease(text, file);
}

/** The distro of a `--distro alpine:3.20` flag value, normalized like os-release (`rocky:9.4` is `rhel:9`). */
export function parseDistroFlag(text: string): Distro {
  const m = /^([a-z0-9][a-z0-9._-]*):([a-z0-9][a-z0-9._~+-]*)$/i.exec(text.trim());
  const distro = m?.[1] !== undefined ? distroFrom(m[1], m[2]) : undefined;
  if (!distro) {
    throw new AirfeedError('INPUT_INVALID', `--distro ${JSON.stringify(text)}: expected <id>:<release>, e.g. alpine:3.20 or debian:12`);
  }
  return distro;
}

/** An os-release value without its shell quoting (`"Alpine Linux"`, `'x'`, backslash escapes in double quotes). */
function unquote(value: string, file: string, line: number): string {
  const q = value[0];
  if (q !== '"' && q !== "'") return value;
  if (value.length < 2 || !value.endsWith(q)) {
    throw inputError(atLine(file, line), `value ${quoteLine(value)} has no closing ${q}`, undefined, { file, line });
  }
  const inner = value.slice(1, -1);
  return q === '"' ? inner.replace(/\\([\\"$`])/g, '$1') : inner;
}
