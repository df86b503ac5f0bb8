import { fileURLToPath } from "node:url";

/** The repository root: esbuild resolves entries, `tsconfig.json` and `node_modules` from here. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The lock file NodejsFunction uses to detect the package manager and to key its bundling. */
export const LOCK_FILE = fileURLToPath(new URL("../package-lock.json", import.meta.url));

export const PROJECT_TAG = "isp-billing";
