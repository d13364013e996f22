import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package root (the nearest folder above this module holding package.json), so shipped files are
 * found whatever the working directory, and whether this module runs from src/ under tsx or
 * compiled under dist/src/ (`npm run build`).
 */
function packageRootAbove(dir: string): string {
  if (existsSync(join(dir, "package.json"))) return dir;
  const parent = dirname(dir);
  if (parent === dir) throw new Error(`No package.json above ${fileURLToPath(import.meta.url)}: reinstall Warmline.`);
  return packageRootAbove(parent);
}

/** With a trailing separator, as callers slice paths by its length. */
export const PACKAGE_ROOT = `${packageRootAbove(dirname(fileURLToPath(import.meta.url)))}${sep}`;
export const SHIPPED_CONFIG_FILE = join(PACKAGE_ROOT, "warmline.config.json");
/** Where `npm run build` writes the compiled JavaScript that `npm start` and the bench's instances run. */
export const BUILD_DIR = join(PACKAGE_ROOT, "dist");
/** The documented payload shapes the sandbox and tests start from (kept in src/, not compiled). */
export const SANDBOX_FIXTURES_DIR = join(PACKAGE_ROOT, "src", "sandbox", "fixtures");
