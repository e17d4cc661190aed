/** Regenerates drivers/_framework/record.schema.json from the zod schema (`npm run schema`). */
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { recordJsonSchema } from '../drivers/_framework/record.ts';

const target = fileURLToPath(new URL('../drivers/_framework/record.schema.json', import.meta.url));
await fs.writeFile(target, `${JSON.stringify(recordJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
