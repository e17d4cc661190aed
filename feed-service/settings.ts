/**
 * Driver settings values, read once at the boundary from two places (the driver declares the
 * settings, drivers/_framework/settings.ts):
 *
 * 1. the environment: `AIRFEED_<DRIVER>_<SETTING>` (`AIRFEED_NVD_API_KEY`), or
 *    `AIRFEED_<DRIVER>_<SETTING>_FILE` naming a file that holds the value (container secrets);
 * 2. the configuration file (config.ts `configFile`: `--config`, AIRFEED_CONFIG or
 *    `<AIRFEED_HOME>/airfeed.json`): `{"drivers": {"nvd": {"api_key": "…"}}}`.
 *
 * The environment wins over the file; an empty value is unset. Errors name the variable, file and
 * JSON path, never a value. A file holding a secret that others can read earns a warning.
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import { AirfeedError } from '../drivers/_framework/errors.ts';
import { type DriverSetting, SettingValues } from '../drivers/_framework/settings.ts';
import type { Driver } from '../drivers/_framework/types.ts';
import { configFile, driverEnvName } from './config.ts';

/** Where a setting's value came from. */
export type SettingOrigin = 'environment' | 'environment file' | 'config file';

/** One declared setting and whether it is set: what `airfeed drivers` shows. */
export interface SettingStatus {
  name: string;
  secret: boolean;
  description: string;
  /** The environment variable that sets it. */
  env: string;
  set: boolean;
  from: SettingOrigin | null;
  /** Plain settings only: the value. A secret's value is never listed. */
  value?: string;
}

const ConfigFile = z.strictObject({
  /** driver id → setting name → value */
  drivers: z.record(z.string(), z.record(z.string(), z.string())).optional(),
});

/** Every driver's setting values, and what `airfeed drivers` shows about them. */
export class DriverSettings {
  constructor(
    private readonly values: ReadonlyMap<string, SettingValues>,
    private readonly statuses: ReadonlyMap<string, SettingStatus[]>,
    /** The configuration file consulted (it may not exist). */
    readonly file: string,
    /** Problems that do not stop anything (a readable secret file), without values. */
    readonly warnings: readonly string[],
  ) {}

  /** No values at all (tests, library callers). */
  static none(): DriverSettings {
    return new DriverSettings(new Map(), new Map(), '', []);
  }

  /** The values handed to `driver`'s fetch. */
  for(driver: Driver): SettingValues {
    return this.values.get(driver.id) ?? new SettingValues(driver.id, driver.settings ?? [], new Map());
  }

  /** The declared settings of `driver`, with whether each is set. */
  status(driver: Driver): SettingStatus[] {
    return this.statuses.get(driver.id) ?? [];
  }
}

function invalid(where: string, message: string, cause?: unknown): AirfeedError {
  return new AirfeedError('CONFIG_INVALID', `${where}: ${message}`, cause === undefined ? {} : { cause });
}

/** The settings a config file gives, checked against the drivers' declarations. */
async function readConfigFile(file: { path: string; explicit: boolean }, drivers: readonly Driver[]): Promise<{ values: Map<string, Map<string, string>>; mode: number | null }> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([fs.readFile(file.path, 'utf8'), fs.stat(file.path).then((s) => s.mode)]);
  } catch (err) {
    // The default file may be absent; so may its home (ENOTDIR: the home is a file), which the
    // database start then reports, naming AIRFEED_HOME.
    const code = (err as NodeJS.ErrnoException).code;
    if (!file.explicit && (code === 'ENOENT' || code === 'ENOTDIR')) return { values: new Map(), mode: null };
    throw invalid(file.path, `cannot read the configuration file: ${(err as Error).message}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(file.path, `not valid JSON: ${(err as Error).message}`, err);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(file.path, `${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`, parsed.error);
  }
  const out = new Map<string, Map<string, string>>();
  for (const [id, settings] of Object.entries(parsed.data.drivers ?? {})) {
    const driver = drivers.find((d) => d.id === id);
    if (!driver) throw invalid(file.path, `drivers.${id}: there is no driver "${id}" (drivers: ${drivers.map((d) => d.id).join(', ')})`);
    const declared = new Set((driver.settings ?? []).map((s) => s.name));
    for (const name of Object.keys(settings)) {
      if (!declared.has(name)) {
        const known = [...declared].join(', ') || 'none';
        throw invalid(file.path, `drivers.${id}.${name}: driver ${id} has no setting "${name}" (its settings: ${known})`);
      }
    }
    out.set(id, new Map(Object.entries(settings).filter(([, v]) => v !== '')));
  }
  return { values: out, mode };
}

/** One setting's value from the environment (variable, then its _FILE twin), or undefined. */
async function fromEnv(variable: string, env: NodeJS.ProcessEnv): Promise<{ value: string; from: SettingOrigin } | undefined> {
  const direct = env[variable];
  if (direct !== undefined && direct !== '') return { value: direct, from: 'environment' };
  const file = env[`${variable}_FILE`];
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw invalid(`${variable}_FILE`, `cannot read ${file}: ${(err as Error).message}`, err);
  }
  // A file written by `echo` ends with a newline that is not part of the value.
  const value = text.replace(/\r?\n$/, '');
  return value === '' ? undefined : { value, from: 'environment file' };
}

/** Reads every driver's settings from the environment and the configuration file; see the module doc. */
export async function loadDriverSettings(drivers: readonly Driver[], env: NodeJS.ProcessEnv = process.env): Promise<DriverSettings> {
  const file = configFile(env);
  const fromFile = await readConfigFile(file, drivers);
  const values = new Map<string, SettingValues>();
  const statuses = new Map<string, SettingStatus[]>();
  let secretInFile = false;
  for (const driver of drivers) {
    const declared: readonly DriverSetting[] = driver.settings ?? [];
    const got = new Map<string, string>();
    const status: SettingStatus[] = [];
    for (const s of declared) {
      const variable = `${driverEnvName('AIRFEED', driver.id)}_${s.name.toUpperCase()}`;
      const fileValue = fromFile.values.get(driver.id)?.get(s.name);
      const found = (await fromEnv(variable, env)) ?? (fileValue === undefined ? undefined : { value: fileValue, from: 'config file' as const });
      if (found) got.set(s.name, found.value);
      if (s.secret && fileValue !== undefined) secretInFile = true;
      status.push({
        name: s.name, secret: s.secret, description: s.description, env: variable, set: found !== undefined, from: found?.from ?? null,
        ...(found && !s.secret ? { value: found.value } : {}),
      });
    }
    values.set(driver.id, new SettingValues(driver.id, declared, got));
    statuses.set(driver.id, status);
  }
  const warnings: string[] = [];
  if (secretInFile && fromFile.mode !== null && (fromFile.mode & 0o077) !== 0) {
    warnings.push(`${file.path} holds secret settings and can be read by other users (mode ${(fromFile.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return new DriverSettings(values, statuses, file.path, warnings);
}
