// Types for build.mjs (plain JavaScript so that `npm ci` can run it before anything is built).
export declare function build(root: string, options?: { quiet?: boolean }): Promise<{ transpiled: number; copied: number }>;
