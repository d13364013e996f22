import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The package root, so shipped files are found whatever the working directory. */
export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SHIPPED_CONFIG_FILE = join(PACKAGE_ROOT, "warmline.config.json");
