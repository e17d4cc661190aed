// `node --import ./observe-imports.mjs …`: appends the URL of every module the process resolves
// (ES modules and their imports, builtins included) to the file named by $OBSERVE_IMPORTS_TO, one per
// line. Tests use it to see what a bin really loads: dist/ or TypeScript through tsx.
import { register } from 'node:module';

const hooks = `
import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.OBSERVE_IMPORTS_TO) fs.appendFileSync(process.env.OBSERVE_IMPORTS_TO, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
