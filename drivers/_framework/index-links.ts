/**
 * The names linked from an HTML directory listing (nginx or Apache autoindex, a bucket's listing
 * page): how a driver finds the files or directories of a mirror served over HTTP, e.g.
 * `<a href="v3.20/">v3.20/</a>` under `https://secdb.alpinelinux.org/`, or
 * `<a href="nvdcve-2016.json.gz">` on an NVD mirror. Links are resolved against `base`; those
 * outside it are ignored, as are queries and fragments. `accept` sees the name as linked (a
 * directory's with its trailing `/`); the names returned have that `/` dropped.
 */
import { compareStrings } from './strings.ts';

/** The names under `base` linked from `html` that `accept` keeps, deduplicated and sorted. */
export function linksFromIndex(html: string, base: string, accept: (name: string) => boolean): string[] {
  const found = new Set<string>();
  for (const m of html.matchAll(/href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
    const href = m[1] ?? m[2] ?? m[3] ?? '';
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      continue;
    }
    if (!url.href.startsWith(base)) continue;
    const name = decodeURIComponent(url.href.slice(base.length).split(/[?#]/)[0] ?? '');
    if (accept(name)) found.add(name.replace(/\/$/, ''));
  }
  return [...found].sort(compareStrings);
}
