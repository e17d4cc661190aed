/**
 * Ed25519 signing keys for bundles: generation (PEM files, the private one readable by its owner
 * only), the stable key id (sha256 of the raw 32-byte public key), and the store of public keys a
 * site trusts (files, or every `*.pem`/`*.pub` in a directory).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AirfeedError } from '../drivers/_framework/errors.ts';
import { fileError, fileProblem, readInputFile } from '../drivers/_framework/files.ts';
import { sha256 } from './manifest.ts';

export interface TrustedKey {
  keyId: string;
  /** The file the key was read from. */
  file: string;
  key: KeyObject;
}

export interface TrustStore {
  keys: Map<string, TrustedKey>;
  /** The files and directories the keys came from, for messages. */
  sources: string[];
  /**
   * Who trusts the keys, for messages that must not name files (a service answering an HTTP client:
   * "this service"). When set, refusals name the key ids only, never `sources` or a key's file.
   */
  owner?: string;
}

/** The key id: sha256 hex of the raw Ed25519 public key bytes (the same for the private key of the pair). */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (pub.asymmetricKeyType !== 'ed25519' || typeof jwk.x !== 'string') throw new AirfeedError('KEY_INVALID', 'the key is not an Ed25519 key');
  return sha256(Buffer.from(jwk.x, 'base64url'));
}

/** Writes a new key pair as `<name>.key.pem` (mode 0600) and `<name>.pub.pem` into `dir`; never overwrites. */
export async function generateKeyFiles(dir: string, name = 'airfeed-bundle'): Promise<{ keyId: string; privateFile: string; publicFile: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new AirfeedError('INPUT_INVALID', `key name "${name}" may use only letters, digits, dots, dashes and underscores`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await fs.mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw new AirfeedError('FILE_UNUSABLE', `cannot create the key directory ${dir}: ${fileProblem(err).reason}`, { cause: err, hint: 'Name a directory (it is created when missing), not a file.' });
  });
  const privateFile = path.join(dir, `${name}.key.pem`);
  const publicFile = path.join(dir, `${name}.pub.pem`);
  for (const f of [privateFile, publicFile]) {
    if (await fs.stat(f).then(() => true, () => false)) {
      throw new AirfeedError('INPUT_INVALID', `${f} already exists; choose another --out directory or --name (keys are never overwritten)`);
    }
  }
  // 'wx' refuses to follow a file created meanwhile; mode 0600 is set at creation, before any byte is written.
  await fs.writeFile(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  await fs.chmod(privateFile, 0o600);
  await fs.writeFile(publicFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644, flag: 'wx' });
  return { keyId: keyIdOf(publicKey), privateFile, publicFile };
}

async function readKeyFile(file: string): Promise<string> {
  return (await readInputFile('key file', file, 'KEY_INVALID')).toString('utf8');
}

/** Reads an Ed25519 private key (PKCS#8 PEM) for signing. */
export async function loadPrivateKey(file: string): Promise<KeyObject> {
  const text = await readKeyFile(file);
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (err) {
    throw new AirfeedError('KEY_INVALID', `${file} is not a private key in PEM: ${(err as Error).message}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AirfeedError('KEY_INVALID', `${file} is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

/** Reads an Ed25519 public key (SPKI PEM); refuses private keys, which never belong in a trust store. */
export async function loadPublicKey(file: string): Promise<TrustedKey> {
  const text = await readKeyFile(file);
  if (text.includes('PRIVATE KEY')) {
    throw new AirfeedError('KEY_INVALID', `${file} holds a private key; trust takes public keys only (the .pub.pem file)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (err) {
    throw new AirfeedError('KEY_INVALID', `${file} is not a public key in PEM: ${(err as Error).message}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AirfeedError('KEY_INVALID', `${file} is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return { keyId: keyIdOf(key), file, key };
}

/**
 * Builds the trust store from files and directories (a directory contributes every `*.pem` and
 * `*.pub` file in it, sorted). A missing path is an error, so a typo never silently trusts nothing.
 */
export async function loadTrust(paths: readonly string[]): Promise<TrustStore> {
  const keys = new Map<string, TrustedKey>();
  for (const p of paths) {
    const unusable = (err: unknown): never => {
      throw fileError('trusted key path', p, fileProblem(err), err, 'KEY_INVALID');
    };
    const stat = await fs.stat(p).catch(unusable);
    const files = stat.isDirectory()
      ? (await fs.readdir(p).catch(unusable)).filter((f) => f.endsWith('.pem') || f.endsWith('.pub')).sort().map((f) => path.join(p, f))
      : [p];
    for (const f of files) {
      const k = await loadPublicKey(f);
      if (!keys.has(k.keyId)) keys.set(k.keyId, k);
    }
  }
  return { keys, sources: [...paths] };
}

/** Signs bytes with an Ed25519 private key: the 64-byte raw signature openssl's `pkeyutl -rawin` checks. */
export function signBytes(key: KeyObject, bytes: Buffer): Buffer {
  return sign(null, bytes, key);
}

/** True when `signature` is a valid Ed25519 signature of `bytes` by `key`. */
export function verifyBytes(key: KeyObject, bytes: Buffer, signature: Buffer): boolean {
  return verify(null, bytes, key, signature);
}

/**
 * The trust store a command uses: the `--trust` paths when given, else every key in the site's
 * trusted-keys directory; BUNDLE_UNTRUSTED (saying where to put a key) when that yields none.
 */
export async function resolveTrust(paths: readonly string[], defaultDir: string): Promise<TrustStore> {
  if (paths.length > 0) return loadTrust(paths);
  // A missing directory means no keys; anything wrong inside it is reported as it is.
  const store = existsSync(defaultDir) ? await loadTrust([defaultDir]) : undefined;
  if (!store || store.keys.size === 0) {
    throw new AirfeedError('BUNDLE_UNTRUSTED', `no trusted keys: pass --trust <public key file or directory>, or put the producer's .pub.pem in ${defaultDir}`);
  }
  return store;
}
