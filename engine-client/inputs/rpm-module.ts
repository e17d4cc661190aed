/**
 * Red Hat module streams of installed rpm packages. rpm records a package built in a module in its
 * `MODULARITYLABEL` tag, `name:stream:version:context` (`nodejs:18:8090020231019152822:a75119d5`;
 * `rpm -q --qf '%{MODULARITYLABEL}'` prints `(none)` for a package outside modules); Red Hat's purls
 * carry it as the `rpmmod` qualifier, syft as `modularityLabel`, trivy as `Modularitylabel`. Advisories
 * name the stream only (`nodejs:18`), which is what the matcher compares.
 */

/** `nodejs:18` for a label; `''` for "no module" (`(none)`, empty); undefined when the label names no stream. */
export function moduleOfLabel(label: string | null | undefined): string | undefined {
  if (label === undefined) return undefined;
  const text = (label ?? '').trim();
  if (text === '' || text === '(none)') return '';
  const [name, stream] = text.split(':');
  return name && stream ? `${name}:${stream}` : undefined;
}
