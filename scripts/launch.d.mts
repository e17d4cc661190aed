// Types for launch.mjs (plain JavaScript: it is what the bins run first).
export declare function launch(program: string, entry: string, root?: string): Promise<never>;
