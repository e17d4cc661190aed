// The layer rule (`airfeed/layers`): imports run one way. Every relative import (static, dynamic with
// a literal, `export … from`, type-only too) is resolved to a file of the repository and checked
// against the table below; package imports are not layers and are always allowed.
//
//   drivers/_framework/**      the base: record, contract, errors, HTTP, readers, comparators, and
//                              the PostgreSQL and CLI kits (pg/, cli/) the service and engine share
//   drivers/<id>/**            one driver: its own folder and the base (never pg/ or cli/, never
//                              another driver)
//   drivers/index.ts           the registry: every driver
//   bundles/**                 the pure bundle format: the base, no database (pg/)
//   feed-service/**            storage, API, scheduler, CLI: drivers (registry included) and bundles
//   engine-client/**           the engine: the base and bundles, never service code or a driver
//   scripts/**, test/**        wiring and tests: anything
//
// Nothing but scripts/ and test/ may import engine-client/ (no rule above lets it).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The layer of a repository-relative path, or null outside the layered folders. */
export function layerOf(rel) {
  const parts = rel.split('/');
  if (parts[0] === 'drivers') {
    if (parts[1] === '_framework') return 'framework';
    if (parts.length === 2) return 'registry';
    return `driver:${parts[1]}`;
  }
  if (['bundles', 'feed-service', 'engine-client', 'scripts', 'test'].includes(parts[0])) return parts[0];
  return null;
}

const BASE_KITS = ['drivers/_framework/pg/', 'drivers/_framework/cli/'];

/** Why `from` may not import `to` (repository-relative paths), or null when it may. */
export function violation(from, to) {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === null || b === null || a === 'scripts' || a === 'test') return null;
  const kit = BASE_KITS.some((k) => to.startsWith(k));
  switch (a) {
    case 'framework':
      return b === 'framework' ? null : 'drivers/_framework is the base layer: it imports nothing above it';
    case 'registry':
      return b === 'framework' || b.startsWith('driver:') ? null : 'the driver registry imports only drivers';
    case 'bundles':
      if (b === 'bundles' || (b === 'framework' && !to.startsWith('drivers/_framework/pg/'))) return null;
      return 'bundles/ is the pure bundle format: it imports only drivers/_framework (no database, no service)';
    case 'feed-service':
      return ['framework', 'registry', 'bundles', 'feed-service'].includes(b) || b.startsWith('driver:') ? null : 'feed-service/ must not import engine-client/ or scripts/';
    case 'engine-client':
      return ['framework', 'bundles', 'engine-client'].includes(b) ? null : 'engine-client/ uses only drivers/_framework and bundles/ (never service code or a driver)';
    default:
      if (a.startsWith('driver:')) {
        if (b === a) return null;
        if (b === 'framework' && !kit) return null;
        return 'a driver imports only its own folder and drivers/_framework (not pg/ or cli/, not another driver)';
      }
      return null;
  }
}

function check(context, node, spec) {
  if (typeof spec !== 'string' || !spec.startsWith('.')) return;
  const file = context.filename ?? context.getFilename();
  const from = path.relative(ROOT, file).split(path.sep).join('/');
  const to = path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
  const why = violation(from, to);
  if (why) context.report({ node, message: `layer rule: ${from} may not import ${to}: ${why}` });
}

export const layersRule = {
  meta: { type: 'problem', docs: { description: 'imports run one way between the product folders' }, schema: [] },
  create(context) {
    return {
      ImportDeclaration: (node) => check(context, node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(context, node, node.source.value),
      ExportAllDeclaration: (node) => check(context, node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(context, node, node.source.value),
    };
  },
};

export default { rules: { layers: layersRule } };
