/**
 * Which mapping module turns a driver's records into grype rows: one module per source kind
 * (distro here; language, NVD and enrichment with record schema v2). A group whose driver has no
 * mapping is left out of the database and named in the build report.
 */
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { isDistroDriver, mapDistroRecord } from './map-distro.ts';
import type { GrypeEntry } from './model.ts';

export type Mapper = (record: VulnRecord, driver: string) => GrypeEntry | null;

/** The mapper for a driver's records, or undefined when grype output does not cover it yet. */
export function mapperFor(driver: string): Mapper | undefined {
  if (isDistroDriver(driver)) return mapDistroRecord;
  return undefined;
}

/** The `providers.id` of a driver's records (vunnel's name for the same upstream). */
export function providerOf(driver: string): string {
  return driver;
}
