export declare const ROOT: string;
export declare const CLI_BUNDLE: string;
export declare const CLI_BUNDLE_INPUTS: readonly string[];
export declare function currentCliBundle(root?: string): string | undefined;
