/**
 * The CVSS module against real published figures in ../shared/realdata (absent in a fresh clone: then
 * skipped). Every line and every figure must agree; a failure lists every disagreeing line.
 *
 * - cvss/redhat-cvss-vectors/: Red Hat's cvss library test vectors. Line forms:
 *   `AV:N/…/A:P - (5.0, None, None)` and `CVSS:3.1/… - (9.8, 9.8, 9.8)` give (base, temporal,
 *   environmental), None where Red Hat prints none for v2 without those metrics; v3 temporal and
 *   environmental figures are computed with Not Defined metrics when absent. `CVSS:4.0/… - (9.2,)` and
 *   `CVSS:4.0/… - 7.3` give the v4.0 score of the whole vector (threat/environmental metrics applied).
 * - cvss/nvd-published/nvd-cvss-vectors.tsv: distinct vectors with the base score and severity NVD published.
 * - nvd/v2.0-feeds/*.json.gz: every cvssMetricV2/V30/V31/V40 of every CVE, with NVD's sub-scores.
 * - CVSS objects with a vector and a published base score in the other JSON (CVE 5 records, Red Hat
 *   CSAF, vunnel fixtures); and every OSV `severity[].score` vector in osv/ (no score published: they
 *   must parse and score).
 *
 * What "agree" means per version: a v2/v3.x published `baseScore` is our `baseScore`; a v4.0 published
 * `baseScore` is our `score` (NVD and CNAs score the whole v4.0 vector; see drivers/_framework/cvss/index.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseCvssVector, scoreCvss, type CvssScore } from '../../drivers/_framework/cvss/index.ts';
import { scoreV2 } from '../../drivers/_framework/cvss/v2.ts';
import { scoreV3 } from '../../drivers/_framework/cvss/v3.ts';
import { skipUnless } from '../helpers/skip.ts';

const REALDATA = path.resolve(import.meta.dirname, '../../../shared/realdata');
const present = existsSync(path.join(REALDATA, 'cvss'));

/** The published figure a score is compared with, per the rule above. */
function published(s: CvssScore): number {
  return s.version === '4.0' ? s.score : s.baseScore;
}

function close(a: number | null, b: number | null): boolean {
  return a !== null && b !== null && Math.abs(a - b) < 1e-9;
}

interface RedHatLine {
  file: string;
  line: number;
  vector: string;
  figures: (number | null)[];
}

function redHatLines(): RedHatLine[] {
  const dir = path.join(REALDATA, 'cvss/redhat-cvss-vectors');
  const out: RedHatLine[] = [];
  for (const file of readdirSync(dir).sort()) {
    for (const [i, text] of readFileSync(path.join(dir, file), 'utf8').split('\n').entries()) {
      if (text.trim() === '') continue;
      const m = /^(\S+) - (?:\(([^)]*)\)|(\S+))$/.exec(text);
      if (!m) throw new Error(`${file}:${i + 1}: unexpected line ${JSON.stringify(text)}`);
      const figures = (m[2] ?? m[3] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => (s === 'None' ? null : Number(s)));
      out.push({ file, line: i + 1, vector: m[1] as string, figures });
    }
  }
  return out;
}

const NvdMetric = z.object({
  source: z.string(),
  baseSeverity: z.string().optional(),
  exploitabilityScore: z.number().optional(),
  impactScore: z.number().optional(),
  cvssData: z.object({ version: z.string(), vectorString: z.string(), baseScore: z.number(), baseSeverity: z.string().optional() }),
});
const NvdPage = z.object({
  vulnerabilities: z.array(
    z.object({ cve: z.object({ id: z.string(), metrics: z.record(z.string(), z.array(NvdMetric)).optional() }) }),
  ),
});

describe('CVSS scores against real published figures', skipUnless(present, `${path.relative(path.resolve(import.meta.dirname, '../..'), path.join(REALDATA, 'cvss'))} is absent, as in a fresh clone`), () => {
  it("agrees with every figure of Red Hat's cvss test vectors (v2, v3.0, v3.1: base/temporal/environmental; v4.0: the vector's score)", () => {
    const lines = redHatLines();
    const wrong: string[] = [];
    const perVersion: Record<string, number> = {};
    for (const l of lines) {
      const p = parseCvssVector(l.vector);
      const s = scoreCvss(l.vector);
      perVersion[p.version] = (perVersion[p.version] ?? 0) + 1;
      let got: number[];
      if (p.version === '4.0') got = [s.score];
      else {
        const all = p.version === '2.0' ? scoreV2(p.metrics) : scoreV3(p.metrics, p.version);
        got = [all.base, all.temporal, all.environmental];
        if (s.baseScore !== all.base) wrong.push(`${l.file}:${l.line} scoreCvss base ${s.baseScore} ≠ ${all.base}`);
      }
      // (Red Hat prints v2's empty-impact base as -0.0; -0 and 0 compare equal here.)
      if (l.figures.length !== got.length || l.figures.some((f, i) => f !== null && !close(f, got[i] ?? null))) {
        wrong.push(`${l.file}:${l.line} ${l.vector}: Red Hat (${l.figures.join(', ')}), computed (${got.join(', ')})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(lines).toHaveLength(7667);
    expect(perVersion).toEqual({ '2.0': 758, '3.0': 2623, '3.1': 2592, '4.0': 1694 });
  });

  it('agrees with every base score and severity in nvd-published/nvd-cvss-vectors.tsv', () => {
    const rows = readFileSync(path.join(REALDATA, 'cvss/nvd-published/nvd-cvss-vectors.tsv'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    const wrong: string[] = [];
    const perVersion: Record<string, number> = {};
    for (const row of rows) {
      const [version, vector, score, severity, cve] = row.split('\t');
      const s = scoreCvss(vector as string);
      perVersion[s.version] = (perVersion[s.version] ?? 0) + 1;
      const sev = s.version === '4.0' ? s.severity : s.baseSeverity;
      if (s.version !== version || !close(published(s), Number(score)) || sev.toUpperCase() !== severity) {
        wrong.push(`${cve} ${vector}: NVD ${version} ${score} ${severity}, computed ${s.version} ${published(s)} ${sev}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(rows).toHaveLength(1355);
    expect(perVersion).toEqual({ '2.0': 323, '3.0': 388, '3.1': 508, '4.0': 136 });
  });

  it('agrees with every CVSS metric of every CVE in the NVD API 2.0 pages, sub-scores included', () => {
    const dir = path.join(REALDATA, 'nvd/v2.0-feeds');
    const wrong: string[] = [];
    const perVersion: Record<string, number> = {};
    // One year at a time (≤ 33 MB of JSON each), so memory is bounded by the largest page, not the set.
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort()) {
      const page = NvdPage.parse(JSON.parse(gunzipSync(readFileSync(path.join(dir, file))).toString('utf8')));
      for (const { cve } of page.vulnerabilities) {
        for (const metric of Object.values(cve.metrics ?? {}).flat()) {
          const d = metric.cvssData;
          const s = scoreCvss(d.vectorString);
          perVersion[s.version] = (perVersion[s.version] ?? 0) + 1;
          const nvdSeverity = metric.baseSeverity ?? d.baseSeverity;
          const sev = s.version === '4.0' ? s.severity : s.baseSeverity;
          const ok =
            s.version === d.version &&
            close(published(s), d.baseScore) &&
            sev.toUpperCase() === nvdSeverity &&
            (s.version === '4.0'
              ? metric.exploitabilityScore === undefined
              : close(s.exploitabilityScore, metric.exploitabilityScore ?? null) && close(s.impactScore, metric.impactScore ?? null));
          if (!ok) {
            wrong.push(
              `${file} ${cve.id} (${metric.source}) ${d.vectorString}: NVD ${d.baseScore} ${nvdSeverity} ` +
                `${metric.exploitabilityScore}/${metric.impactScore}, computed ${published(s)} ${sev} ${s.exploitabilityScore}/${s.impactScore}`,
            );
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(perVersion).toEqual({ '2.0': 80_590, '3.0': 5823, '3.1': 3756, '4.0': 218 });
  });

  it('agrees with the vector/base-score pairs in CVE 5 records, Red Hat CSAF and the vunnel fixtures', () => {
    const dirs = ['nvd/osv-dev-testdata', 'redhat/csaf-advisories', 'redhat/csaf-vex', 'redhat/csaf-vex-2024-02-05-sample', 'fixtures/vunnel'];
    const wrong: string[] = [];
    let pairs = 0;
    const visit = (node: unknown, file: string): void => {
      if (Array.isArray(node)) {
        for (const x of node) visit(x, file);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      const vector = o['vectorString'];
      const score = o['baseScore'];
      if (typeof vector === 'string' && typeof score === 'number') {
        pairs++;
        const s = scoreCvss(vector);
        if (!close(published(s), score)) wrong.push(`${file} ${vector}: published ${score}, computed ${published(s)}`);
      }
      for (const v of Object.values(o)) visit(v, file);
    };
    for (const dir of dirs) {
      for (const file of readdirSync(path.join(REALDATA, dir), { recursive: true, encoding: 'utf8' }).sort()) {
        if (!file.endsWith('.json')) continue;
        const full = path.join(REALDATA, dir, file);
        let doc: unknown;
        try {
          doc = JSON.parse(readFileSync(full, 'utf8'));
        } catch {
          continue; // a few fixtures are deliberately broken JSON; they carry no CVSS to check
        }
        visit(doc, path.join(dir, file));
      }
    }
    expect(wrong).toEqual([]);
    expect(pairs).toBe(545);
  });

  it('parses and scores every OSV severity vector in osv/ (JSON and YAML)', () => {
    const seen: Record<string, number> = {};
    const failed: string[] = [];
    const severities = (doc: unknown): unknown[] => {
      if (doc === null || typeof doc !== 'object') return [];
      const o = doc as { severity?: unknown; affected?: unknown };
      const own: unknown[] = Array.isArray(o.severity) ? (o.severity as unknown[]) : [];
      const nested = Array.isArray(o.affected) ? (o.affected as unknown[]).flatMap((a) => severities(a)) : [];
      return [...own, ...nested];
    };
    const root = path.join(REALDATA, 'osv');
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
      if (!/\.(json|ya?ml)$/.test(file)) continue;
      const text = readFileSync(path.join(root, file), 'utf8');
      if (!text.includes('CVSS')) continue;
      let doc: unknown;
      try {
        doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      } catch {
        continue;
      }
      for (const docOne of Array.isArray(doc) ? doc : [doc]) {
        for (const sev of severities(docOne)) {
          const { type, score } = z.object({ type: z.string(), score: z.string() }).parse(sev);
          if (!type.startsWith('CVSS_')) continue;
          try {
            const s = scoreCvss(score);
            seen[type] = (seen[type] ?? 0) + 1;
            if (`CVSS_V${s.version.split('.')[0]}` !== type) failed.push(`${file}: ${type} holds a ${s.version} vector ${score}`);
          } catch (err) {
            failed.push(`${file}: ${(err as Error).message}`);
          }
        }
      }
    }
    expect(failed).toEqual([]);
    expect(seen).toEqual({ CVSS_V3: 566, CVSS_V4: 57 });
  });
});
