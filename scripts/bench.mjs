#!/usr/bin/env node
// `npm run bench`: runs scripts/bench/main.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./bench/main.ts');
