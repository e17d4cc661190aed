// Types for build-inputs.mjs (plain JavaScript so that the bins can run it without compiling).
export declare const SOURCE_DIRS: readonly string[];
export declare const BUILD_FILES: readonly string[];
export declare const DIST: string;
export declare const STATE_FILE: string;
export interface BuildInput {
  rel: string;
  kind: 'config' | 'source' | 'asset';
  size: number;
  mtimeMs: number;
}
export declare function listInputs(root: string): BuildInput[];
export declare function stateOf(inputs: BuildInput[]): { files: Record<string, [number, number]> };
export declare function checkBuild(root: string): { fresh: true } | { fresh: false; reason: string };
