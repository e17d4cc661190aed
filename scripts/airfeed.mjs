#!/usr/bin/env node
// The `airfeed` executable: runs the CLI from dist/ (built by `npm ci`/`npm run build`), or from the
// TypeScript sources through tsx when they changed since the build (see launch.mjs).
import { launch } from './launch.mjs';

await launch('airfeed', 'feed-service/cli/main');
