/**
 * The driver registry: explicit and sorted by id. test/drivers/registry.test.ts checks that it
 * matches the driver folders under drivers/ (folders starting with `_` are shared code, not drivers).
 */
import { AirfeedError } from './_framework/errors.ts';
import type { Driver } from './_framework/types.ts';
import { alpine } from './alpine/index.ts';
import { debian } from './debian/index.ts';
import { kev } from './kev/index.ts';
import { osv } from './osv/index.ts';
import { redhat } from './redhat/index.ts';
import { ubuntu } from './ubuntu/index.ts';

/** All drivers, sorted by id. */
export const DRIVERS: readonly Driver[] = [alpine, debian, kev, osv, redhat, ubuntu];

/** Looks a driver up by id; throws DRIVER_UNKNOWN listing the known ids. */
export function getDriver(id: string): Driver {
  const driver = DRIVERS.find((d) => d.id === id);
  if (!driver) {
    throw new AirfeedError('DRIVER_UNKNOWN', `unknown driver "${id}"; known drivers: ${DRIVERS.map((d) => d.id).join(', ')}`);
  }
  return driver;
}
