/**
 * Verification without a database: the manifest is the first entry and its signature the second;
 * the signature must come from a trusted key; then every data member, in manifest order, must match
 * its declared size and sha256, decompress to its declared size and no further, and every record
 * line must hash to its declared hash. Nothing outside the manifest may be in the archive.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { AirfeedError } from '../drivers/_framework/errors.ts';
import { readInputFile } from '../drivers/_framework/files.ts';
import type { Progress } from '../drivers/_framework/types.ts';
import { type TrustedKey, type TrustStore, verifyBytes } from './keys.ts';
import {
  type Manifest,
  type ManifestGroup,
  type ManifestMember,
  MANIFEST_NAME,
  manifestBytes,
  parseManifestJson,
  sha256,
  SIGNATURE_NAME,
  validateManifest,
} from './manifest.ts';
import { memberLines, type ParsedLine, parseLine } from './members.ts';
import { type TarEntry, TarReader } from './tar.ts';

const MANIFEST_LIMIT = 64 * 1024 * 1024;
const SIGNATURE_SIZE = 64;

export interface OpenedBundle {
  file: string;
  reader: TarReader;
  manifestBytes: Buffer;
  signature: Buffer;
}

export interface VerifyOptions {
  trust: TrustStore;
  /** The time expiry is judged against (default: now). */
  now?: Date;
  allowExpired?: boolean;
  progress?: Progress;
}

export interface CheckedHeader {
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestSha256: string;
  key: TrustedKey;
  expired: boolean;
}

export interface VerifiedBundle extends CheckedHeader {
  file: string;
  /** Total compressed and uncompressed bytes of the data members. */
  dataBytes: number;
  uncompressedBytes: number;
}

/** Opens a bundle and reads its first two entries, which must be manifest.json and manifest.json.sig. */
export async function openBundle(file: string): Promise<OpenedBundle> {
  const reader = await TarReader.open(file);
  try {
    const first = await reader.next();
    if (first?.name !== MANIFEST_NAME) {
      throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: the first entry must be ${MANIFEST_NAME}, found ${first ? first.name : 'an empty archive'}`);
    }
    const manifestBytes = await reader.readAll(first, MANIFEST_LIMIT);
    const second = await reader.next();
    if (second?.name !== SIGNATURE_NAME) {
      throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: the second entry must be ${SIGNATURE_NAME}, found ${second ? second.name : 'the end of the archive'}`);
    }
    if (second.size !== SIGNATURE_SIZE) {
      throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: ${SIGNATURE_NAME} is ${second.size} bytes; an Ed25519 signature is ${SIGNATURE_SIZE}`);
    }
    return { file, reader, manifestBytes, signature: await reader.readAll(second, SIGNATURE_SIZE) };
  } catch (err) {
    await reader.close();
    throw err;
  }
}

/** Checks the signed header: format version, trusted key, signature, manifest content, expiry. */
export function checkHeader(opened: OpenedBundle, options: VerifyOptions): CheckedHeader {
  const { file, manifestBytes: bytes } = opened;
  const raw = parseManifestJson(bytes, file);
  const producer = raw['producer'] as { keyId?: unknown } | undefined;
  const keyId = typeof producer?.keyId === 'string' ? producer.keyId : undefined;
  if (keyId === undefined) throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: ${MANIFEST_NAME} names no producer.keyId`);
  const { trust } = options;
  const key = trust.keys.get(keyId);
  if (!key) {
    const n = trust.keys.size;
    const where = trust.owner !== undefined
      ? `${trust.owner} trusts ${n} key${n === 1 ? '' : 's'}`
      : `${n} trusted keys from ${trust.sources.length > 0 ? trust.sources.join(', ') : 'no trust source'}`;
    throw new AirfeedError('BUNDLE_UNTRUSTED', `bundle ${file} is signed by key ${keyId}, which is unknown or not trusted here (${where})`);
  }
  if (!verifyBytes(key.key, bytes, opened.signature)) {
    throw new AirfeedError(
      'BUNDLE_UNTRUSTED',
      `bundle ${file}: bad signature: ${SIGNATURE_NAME} does not verify ${MANIFEST_NAME} with key ${keyId}${trust.owner === undefined ? ` (${key.file})` : ''}; the manifest or the signature was altered`,
    );
  }
  const manifest = validateManifest(raw, bytes, file);
  const now = options.now ?? new Date();
  const expired = manifest.expires !== null && now.getTime() >= Date.parse(manifest.expires);
  if (expired && !options.allowExpired) {
    throw new AirfeedError('BUNDLE_EXPIRED', `bundle ${file} (${manifest.bundleId}) expired at ${manifest.expires} (it is now ${now.toISOString()})`);
  }
  return { manifest, manifestBytes: bytes, manifestSha256: sha256(bytes), key, expired };
}

/** Walks the data members of an opened bundle in manifest order, refusing anything else in the archive. */
export class MemberSequence {
  private index = 0;
  private readonly paths: Map<string, number>;

  constructor(
    private readonly opened: OpenedBundle,
    private readonly manifest: Manifest,
  ) {
    this.paths = new Map(manifest.members.map((m, i) => [m.path, i]));
  }

  private fail(message: string): never {
    throw new AirfeedError('BUNDLE_INVALID', `bundle ${this.opened.file}: ${message}`);
  }

  /** The next member and its tar entry; undefined once the manifest and the archive are both exhausted. */
  async next(): Promise<{ member: ManifestMember; entry: TarEntry } | undefined> {
    const entry = await this.opened.reader.next();
    const expected = this.manifest.members[this.index];
    if (!entry) {
      if (expected) this.fail(`manifest member ${expected.path} is missing from the archive`);
      return undefined;
    }
    const at = this.paths.get(entry.name);
    if (at === undefined) this.fail(`tar entry ${entry.name} is not listed in the manifest`);
    if (!expected || at !== this.index) this.fail(`manifest member ${expected?.path ?? entry.name} is missing from the archive (found ${entry.name} in its place)`);
    if (entry.size !== expected.size) this.fail(`member ${entry.name} is ${entry.size} bytes but the manifest says ${expected.size}`);
    this.index++;
    return { member: expected, entry };
  }

  /** Checks a member's sha256 before anything decompresses it, so unauthenticated bytes never reach gunzip. */
  async checkDigest(member: ManifestMember, entry: TarEntry): Promise<void> {
    const hash = createHash('sha256');
    for await (const chunk of this.opened.reader.body(entry)) hash.update(chunk);
    const digest = hash.digest('hex');
    if (digest !== member.sha256) this.fail(`member ${member.path} has sha256 ${digest} but the manifest says ${member.sha256} (altered or damaged)`);
  }

  /** The lines of one member, with size, digest and decompressed-size checks. */
  lines(member: ManifestMember, entry: TarEntry): AsyncGenerator<Buffer> {
    return memberLines(this.opened.reader.body(entry), { label: this.opened.file, ...member });
  }
}

/** The groups of a bundle in the order their members appear in the archive, then the groups without members. */
export function groupsInArchiveOrder(m: Manifest): ManifestGroup[] {
  const byName = new Map(m.groups.map((g) => [g.name, g]));
  const names = [...new Set([...m.members.map((x) => x.group), ...m.groups.map((g) => g.name)])];
  return names.map((n) => byName.get(n)).filter((g): g is ManifestGroup => g !== undefined);
}

/** One parsed line of a member, with where it came from (for messages). */
export interface MemberLine {
  parsed: ParsedLine;
  member: ManifestMember;
  lineNo: number;
}

/**
 * The parsed lines of one group's members, which must be the next entries of the archive: the apply
 * pass of an import (service and engine) reads the file again after verifying it, so a file changed
 * in between fails here instead of applying other bytes than were checked.
 */
export async function* groupMemberLines(seq: MemberSequence, file: string, m: Manifest, group: string): AsyncGenerator<MemberLine> {
  for (const expected of m.members.filter((x) => x.group === group)) {
    const next = await seq.next();
    if (next?.member.path !== expected.path) throw new AirfeedError('BUNDLE_INVALID', `bundle ${file} changed after it was verified (at ${expected.path})`);
    let lineNo = 0;
    for await (const line of seq.lines(next.member, next.entry)) {
      lineNo++;
      yield { parsed: parseMemberLine(line, file, next.member, lineNo), member: next.member, lineNo };
    }
  }
}

/** Parses a line, naming the member and line number when it is malformed. */
export function parseMemberLine(line: Buffer, file: string, member: ManifestMember, lineNo: number): ParsedLine {
  const parsed = parseLine(line);
  if (typeof parsed === 'string') throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: member ${member.path} line ${lineNo} ${parsed}`);
  return parsed;
}

/** Verifies a bundle completely (one streaming pass); see the module comment. */
export async function verifyBundle(file: string, options: VerifyOptions): Promise<VerifiedBundle> {
  const opened = await openBundle(file);
  try {
    const header = checkHeader(opened, options);
    const { manifest } = header;
    const seq = new MemberSequence(opened, manifest);
    const fail = (message: string): never => {
      throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: ${message}`);
    };
    options.progress?.phase(`verify ${file}`, manifest.groups.reduce((s, g) => s + g.records + g.tombstones, 0));
    let dataBytes = 0;
    let uncompressedBytes = 0;
    let group = '';
    let sawTombstone = false;
    for (let next = await seq.next(); next; next = await seq.next()) {
      const { member, entry } = next;
      if (member.group !== group) {
        group = member.group;
        sawTombstone = false;
      }
      await seq.checkDigest(member, entry);
      const namespace = Buffer.from(`"namespace":${JSON.stringify(member.group)}`);
      let records = 0;
      let tombstones = 0;
      let lineNo = 0;
      for await (const line of seq.lines(member, entry)) {
        const rec = parseMemberLine(line, file, member, ++lineNo);
        // Apply stores text: bytes that do not decode as UTF-8 would be stored other than signed.
        if (!isUtf8(line)) fail(`member ${member.path} line ${lineNo} is not valid UTF-8`);
        if (rec.deleted) {
          tombstones++;
          sawTombstone = true;
          continue;
        }
        const doc = rec.doc ?? Buffer.alloc(0);
        if (sawTombstone) fail(`member ${member.path} line ${lineNo}: record ${rec.id} follows a tombstone (records must come first in a group)`);
        if (sha256(doc) !== rec.hash) fail(`member ${member.path} line ${lineNo}: record ${rec.id} does not match its hash (altered or damaged)`);
        // A cheap sanity check that the doc is the record the line names, in the member's group.
        if (doc.indexOf(`"id":${JSON.stringify(rec.id)}`) === -1 || doc.indexOf(namespace) === -1) {
          fail(`member ${member.path} line ${lineNo}: the doc of record ${rec.id} does not carry that id and namespace ${member.group}`);
        }
        records++;
        if (records % 2000 === 0) options.progress?.tick(2000);
      }
      options.progress?.tick(records % 2000 + tombstones);
      if (records !== member.records || tombstones !== member.tombstones) {
        fail(`member ${member.path} holds ${records} records and ${tombstones} tombstones but the manifest says ${member.records} and ${member.tombstones}`);
      }
      dataBytes += member.size;
      uncompressedBytes += member.uncompressedSize;
    }
    return { ...header, file, dataBytes, uncompressedBytes };
  } finally {
    await opened.reader.close();
  }
}

/** Reads a manifest without verifying anything (for `bundle inspect`); returns it with its exact bytes. */
export async function readManifest(file: string): Promise<{ manifest: Manifest; bytes: Buffer }> {
  const opened = await openBundle(file);
  try {
    return { manifest: validateManifest(parseManifestJson(opened.manifestBytes, file), undefined, file), bytes: opened.manifestBytes };
  } finally {
    await opened.reader.close();
  }
}

/** A bundle a delta builds on: its manifest and the sha256 of the manifest's exact bytes. */
export interface BaseBundle {
  manifest: Manifest;
  manifestSha256: string;
}

/**
 * Reads the base of a delta from a bundle or a manifest.json file. The sha256 is taken of the
 * canonical form, so a manifest.json that was pretty-printed on the way still names the same base.
 */
export async function readBase(file: string): Promise<BaseBundle> {
  let raw: Record<string, unknown>;
  if (file.endsWith('.json')) {
    raw = parseManifestJson(await readInputFile('base manifest', file), file);
  } else {
    raw = parseManifestJson((await readManifest(file)).bytes, file);
  }
  const manifest = validateManifest(raw, undefined, file);
  return { manifest, manifestSha256: sha256(manifestBytes(manifest)) };
}
