/**
 * Secret request headers (NVD's `apiKey`, a GitHub token, `authorization`): a value wrapped with
 * `secret()` renders as `[REDACTED]` wherever it could leak — string conversion, JSON, util.inspect
 * (pino, console) — and the client reveals it only to undici. Header names that always carry
 * credentials are redacted by name too, wrapped or not. Secret headers are dropped when a redirect
 * leaves the origin they were given for.
 */
import { inspect } from 'node:util';

/** What a secret renders as. */
export const REDACTED = '[REDACTED]';

/** A credential that must never be printed. */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself, for the request only. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Marks a header value secret: `headers: { apiKey: secret(process.env.NVD_API_KEY) }`. */
export function secret(value: string): SecretValue {
  return new SecretValue(value);
}

/** Request header values: plain, or secret. */
export type HeaderValues = Record<string, string | SecretValue>;

/** Names whose values are credentials whatever the caller says. */
const SECRET_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'apikey', 'api-key', 'x-api-key', 'private-token']);

/** True when the header `name` carries a credential (by name, or because its value is wrapped). */
export function isSecretHeader(name: string, value: string | SecretValue): boolean {
  return value instanceof SecretValue || SECRET_NAMES.has(name.toLowerCase());
}

/** The headers as sent: secrets revealed. */
export function revealHeaders(headers: HeaderValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = v instanceof SecretValue ? v.reveal() : v;
  return out;
}

/** The headers as they may be logged: secrets replaced by `[REDACTED]`. */
export function redactHeaders(headers: HeaderValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretHeader(k, v) ? REDACTED : (v as string);
  return out;
}

/** The headers to send on to another origin: every secret dropped. */
export function withoutSecrets(headers: HeaderValues): HeaderValues {
  return Object.fromEntries(Object.entries(headers).filter(([k, v]) => !isSecretHeader(k, v)));
}

/** `text` with every secret value in `headers` replaced, for messages built from foreign errors. */
export function scrub(text: string, headers: HeaderValues): string {
  let out = text;
  for (const [k, v] of Object.entries(headers)) {
    if (!isSecretHeader(k, v)) continue;
    const plain = v instanceof SecretValue ? v.reveal() : v;
    if (plain.length >= 4) out = out.split(plain).join(REDACTED);
  }
  return out;
}
