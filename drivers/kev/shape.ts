/**
 * The /v1 shape of the `enrichment` feed, which Anchore does not have: the `vulnerabilities` shape
 * with the KEV block as `Metadata.kev` (and, for the feed's EPSS records, `Metadata.epss`); the
 * framework's one shape for the feed (drivers/_framework/shapes/enrichment.ts), declared by the driver
 * (Driver.v1Shape); the shape registry is not edited for it.
 */
export { enrichmentV1Shape as kevV1Shape } from '../_framework/shapes/enrichment.ts';
