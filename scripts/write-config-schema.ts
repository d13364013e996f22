// Regenerates warmline.config.schema.json from the zod schema (npm run schema).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "../src/config/json-schema.js";
import { PACKAGE_ROOT } from "../src/paths.js";

const file = join(PACKAGE_ROOT, "warmline.config.schema.json");
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`Wrote ${file}`);
