import { z } from "zod";
import { configSchema } from "./schema.js";

/** The JSON Schema editors use to validate warmline.config.json, generated from the one zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  // "input" mode: fields with defaults are optional in the file, as they are to loadConfig.
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...schema, title: "Warmline configuration", description: "warmline.config.json — see README.md, section Config reference." };
}
