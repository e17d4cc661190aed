/**
 * Driver settings: what a driver may be configured with (the NVD API key, a GitHub token), and the
 * values it is handed in `FetchContext.settings`.
 *
 * A driver declares its settings (`Driver.settings`); the feed service reads their values from its
 * configuration file and the environment (`AIRFEED_<DRIVER>_<SETTING>`, e.g. `AIRFEED_NVD_API_KEY`;
 * feed-service/settings.ts) — a driver never reads `process.env` itself. A secret value is handed
 * over as the HTTP client's `SecretValue` (http/secrets.ts), which prints, serializes and inspects as
 * `[REDACTED]` and goes straight into a request header (`headers: { apiKey: ctx.settings.secret(
 * 'api_key') }`), where the client keeps it out of logs and errors. Around the driver, the sync
 * passes every log line, error message and event through `SettingValues.redact`, and refuses a
 * driver state that holds a secret, so a value cannot leak even through a driver's mistake.
 */
import { inspect } from 'node:util';
import { REDACTED, SecretValue } from './http/secrets.ts';

export { REDACTED };

/** Setting names: lower case letters, digits and underscores, starting with a letter (`api_key`). */
export const SETTING_NAME = /^[a-z][a-z0-9_]*$/;

/** One setting a driver can be configured with. */
export interface DriverSetting {
  /** `api_key`; its environment variable is `AIRFEED_<DRIVER>_API_KEY`. */
  name: string;
  /** What it is for and what happens without it (shown by `airfeed drivers`). */
  description: string;
  /** A secret is never logged, stored, shown or put in an error message. */
  secret: boolean;
}

/** The forms a value can take in text that reaches a log or a message: as is, JSON-escaped, URL-encoded. */
function forms(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])].sort((a, b) => b.length - a.length);
}

/** The values of one driver's settings, as handed to its fetch. */
export class SettingValues {
  readonly #driver: string;
  readonly #declared: ReadonlyMap<string, DriverSetting>;
  readonly #values: ReadonlyMap<string, string>;
  readonly #secretForms: readonly string[];

  /** `values` holds only declared names with non-empty values (the loader checks). */
  constructor(driver: string, declared: readonly DriverSetting[], values: ReadonlyMap<string, string>) {
    this.#driver = driver;
    this.#declared = new Map(declared.map((s) => [s.name, s]));
    this.#values = values;
    this.#secretForms = declared.filter((s) => s.secret).flatMap((s) => {
      const v = values.get(s.name);
      return v === undefined ? [] : forms(v);
    });
  }

  /** No settings at all: for drivers that declare none, and for tests. */
  static none(driver: string): SettingValues {
    return new SettingValues(driver, [], new Map());
  }

  private setting(name: string, secret: boolean): DriverSetting {
    const s = this.#declared.get(name);
    // Programming errors in a driver: say which, without any value.
    if (!s) throw new Error(`driver ${this.#driver} reads setting "${name}", which it does not declare`);
    if (s.secret !== secret) throw new Error(`driver ${this.#driver} reads setting "${name}" as ${secret ? 'secret' : 'plain'}, but declares it ${s.secret ? 'secret' : 'plain'}`);
    return s;
  }

  /** A plain (non-secret) setting's value; undefined when not set. */
  get(name: string): string | undefined {
    this.setting(name, false);
    return this.#values.get(name);
  }

  /** A secret setting's value, wrapped (the HTTP client takes it as a header value as is); undefined when not set. */
  secret(name: string): SecretValue | undefined {
    this.setting(name, true);
    const v = this.#values.get(name);
    return v === undefined ? undefined : new SecretValue(v);
  }

  /** True when the setting has a value. */
  isSet(name: string): boolean {
    return this.#values.has(name);
  }

  /** `text` with every secret value (also JSON-escaped or URL-encoded) replaced by `[REDACTED]`. */
  redact(text: string): string {
    let out = text;
    for (const f of this.#secretForms) if (f !== '' && out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  }

  /** True when `text` holds a secret value in any of its forms. */
  leaks(text: string): boolean {
    return this.#secretForms.some((f) => f !== '' && text.includes(f));
  }

  /** Names and whether set, never values: safe to log. */
  toJSON(): Record<string, boolean> {
    return Object.fromEntries([...this.#declared.keys()].map((n) => [n, this.#values.has(n)]));
  }

  [inspect.custom](): string {
    return `SettingValues(${this.#driver}) ${JSON.stringify(this.toJSON())}`;
  }
}
