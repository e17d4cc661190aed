// Types of the layer rule module (layers.mjs), for the test that checks it.
import type { ESLint } from 'eslint';

export declare function layerOf(rel: string): string | null;
export declare function violation(from: string, to: string): string | null;
declare const plugin: ESLint.Plugin;
export default plugin;
