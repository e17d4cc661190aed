/**
 * Cleaning of the id strings found in secdb `secfixes` lists. Real data holds more than one id per
 * string and free text, e.g. `CVE-2016-10013 XSA-204`, `CVE-2018-3620  XSA-273` (two spaces),
 * `CVE-2018-14461 (LDP)`, `CVE-2017-5753 CVE-2017-5715 XSA-254 XPTI`, `CVE N/A ZBX-11023`,
 * `CVE-2022-????? XSA-398`, `CVE_2019-2426`, `CVE-2021-35940.patch`. The rules, in order:
 *
 * 1. Parenthesised text is a comment (`(LDP)`, `(Not affected, requires --with-systemd)`): removed.
 * 2. The rest is split on whitespace, commas and semicolons into tokens.
 * 3. A token starting with `CVE` must be a CVE id: `CVE-YYYY-NNNN…`; the typos `CVE_YYYY-N` and a
 *    trailing `.patch`/`.diff` or punctuation are repaired; anything else (`CVE`, `CVE-2022-?????`)
 *    is unusable.
 * 4. Any other token is an id when it looks like one: a letter first, then letters, digits and
 *    dashes, with at least one digit (`XSA-204`, `GHSA-h5c8-rqwp-cp95`, `ALPINE-13661`,
 *    `VSV00010`, `wnpa-sec-2017-18`); its case is kept. Otherwise (`N/A`, `XPTI`) it is unusable.
 * 5. When a string names CVEs, its other ids are the same issues under another tracker's name
 *    (Xen's XSA, Talos, GnuTLS advisories): they become aliases of each of those CVEs instead of
 *    records of their own, so one issue is not reported twice. When a string names no CVE, each of
 *    its ids is a record.
 *
 * Unusable tokens are returned so the caller can log them with the file they came from.
 */

export interface CleanedIds {
  /** Ids that become (or join) records, deduplicated, in order of appearance. */
  ids: string[];
  /** Non-CVE ids given next to CVEs: aliases of every id in `ids`. */
  aliases: string[];
  /** Tokens that are not ids, verbatim. */
  unusable: string[];
}

const CVE_TOKEN = /^CVE[-_](\d{4})-(\d{4,})((?:-\d{1,2}|\.patch|\.diff)?[.,:;]*)$/i;
const OTHER_ID = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$/;

/** True for a well-formed CVE id. */
export function isCve(id: string): boolean {
  return /^CVE-\d{4}-\d{4,}$/.test(id);
}

/** Splits one upstream id string into record ids, aliases and unusable tokens (rules above). */
export function cleanIds(raw: string): CleanedIds {
  // An unclosed "(" comments out the rest of the string.
  const text = raw.replace(/\([^)]*\)/g, ' ').replace(/\(.*$/, ' ');
  const cves: string[] = [];
  const others: string[] = [];
  const unusable: string[] = [];
  for (const token of text.split(/[\s,;]+/)) {
    if (token === '') continue;
    const cve = CVE_TOKEN.exec(token);
    if (cve) {
      const id = `CVE-${cve[1]}-${cve[2]}`;
      if (!cves.includes(id)) cves.push(id);
    } else if (/^CVE/i.test(token) || !OTHER_ID.test(token) || !/\d/.test(token)) {
      unusable.push(token);
    } else if (!others.includes(token)) {
      others.push(token);
    }
  }
  return cves.length > 0 ? { ids: cves, aliases: others, unusable } : { ids: others, aliases: [], unusable };
}

/** A web page for the id: NVD for CVEs, the issuer's page for the few others with a stable one. */
export function linkFor(id: string): string | null {
  if (isCve(id)) return `https://nvd.nist.gov/vuln/detail/${id}`;
  const xsa = /^XSA-(\d+)$/.exec(id);
  if (xsa) return `https://xenbits.xen.org/xsa/advisory-${xsa[1]}.html`;
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(id)) return `https://github.com/advisories/${id}`;
  return null;
}
