/**
 * The feeds of the Anchore feed service (../../../shared/ANCHORE-FEED-API.md), for the drivers that
 * publish into them. A driver that brings a feed of its own declares it in its folder (the KEV
 * driver's `enrichment`); the feed row is created from the driver registry at sync and service start.
 */
import type { Feed } from './types.ts';

/** Operating system packages: one group per distro release (`alpine:3.20`, `debian:12`). */
export const VULNERABILITIES_FEED: Feed = {
  name: 'vulnerabilities',
  description: 'Operating system package vulnerabilities (Alpine, Debian, Ubuntu, Red Hat)',
};

/** NVD CVE records (`nvdv2:cves`). */
export const NVD_FEED: Feed = { name: 'nvdv2', description: 'NVD CVE records' };

/** Language ecosystem advisories (`github:npm`, `github:python`, …). */
export const GITHUB_FEED: Feed = { name: 'github', description: 'Language ecosystem advisories (GitHub / OSV)' };

/**
 * Enrichment of other feeds' vulnerabilities (`kev:catalog`, `epss:scores`): not an Anchore feed; its
 * drivers bring its /v1 shape (`Driver.v1Shape`). Here, not in one driver's folder, because two
 * drivers publish into it and a driver imports only from the framework.
 */
export const ENRICHMENT_FEED: Feed = {
  name: 'enrichment',
  description: "Enrichment of other feeds' vulnerabilities: known exploitation (CISA KEV), exploit prediction",
};

/** Feed names as bundle manifests accept them. */
export const FEED_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
