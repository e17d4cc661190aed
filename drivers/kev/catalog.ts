/**
 * The CISA KEV catalog as served at
 * https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json, checked
 * against CISA's own JSON schema (known_exploited_vulnerabilities_schema.json, draft-07):
 *
 * ```json
 * {"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2025.08.25",
 *  "dateReleased": "2025-08-25T17:04:19.9796Z", "count": 1404,
 *  "vulnerabilities": [{"cveID": "CVE-2025-48384", "vendorProject": "Git", "product": "Git",
 *    "vulnerabilityName": "Git Link Following Vulnerability", "dateAdded": "2025-08-25",
 *    "shortDescription": "Git contains a link following vulnerability …",
 *    "requiredAction": "Apply mitigations per vendor instructions, …", "dueDate": "2025-09-15",
 *    "knownRansomwareCampaignUse": "Unknown", "notes": "https://github.com/git/git/security/… ; …",
 *    "cwes": ["CWE-59", "CWE-436"]}, …]}
 * ```
 *
 * The schema's required fields are required here too; `knownRansomwareCampaignUse`, `notes` and
 * `cwes` are optional there (catalogs before 2023 lack them). Values are kept verbatim, stray
 * spaces included (51 fields in the 2025-08-25 catalog end or start with one): they are CISA's.
 */
import { z } from 'zod';

/** `CVE-YYYY-NNNN…`: the schema's pattern, 4 to 19 digits. */
export const CVE_ID = /^CVE-[0-9]{4}-[0-9]{4,19}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const KevEntry = z.object({
  cveID: z.string().regex(CVE_ID, 'must be a CVE id (CVE-YYYY-NNNN)'),
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: z.string().regex(DATE, 'must be a date (YYYY-MM-DD)'),
  shortDescription: z.string(),
  requiredAction: z.string(),
  dueDate: z.string().regex(DATE, 'must be a date (YYYY-MM-DD)'),
  // The schema's type is string; CISA's description and every catalog say Known or Unknown, the two
  // values record schema v2 types (anything else is a defect to hear about, not to pass on).
  knownRansomwareCampaignUse: z.enum(['Known', 'Unknown']).optional(),
  notes: z.string().optional(),
  cwes: z.array(z.string().regex(/^CWE-[0-9]+$/, 'must be a CWE id (CWE-NNN)')).optional(),
});
export type KevEntry = z.infer<typeof KevEntry>;

export const KevCatalog = z.object({
  title: z.string().optional(),
  catalogVersion: z.string().min(1),
  dateReleased: z.iso.datetime({ offset: true }),
  count: z.number().int().min(0),
  vulnerabilities: z.array(KevEntry),
});
export type KevCatalog = z.infer<typeof KevCatalog>;

/** The file's name upstream and in the workspace. */
export const CATALOG_FILE = 'known_exploited_vulnerabilities.json';
