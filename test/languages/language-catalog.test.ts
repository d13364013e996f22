import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLanguageCatalog } from "../../src/languages/language-catalog.js";

describe("language catalog", () => {
  it("ships the 24 languages Warmline serves, each named for the card", () => {
    const catalog = loadLanguageCatalog();
    expect(catalog).toHaveLength(24);
    expect(catalog.find((language) => language.code === "pt")?.name).toBe("Portuguese");
    expect(catalog.every((language) => language.scripts.length > 0)).toBe(true);
  });

  it("names the file and the fix when a language.json disagrees with its folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-languages-"));
    mkdirSync(join(dir, "pt"));
    writeFileSync(
      join(dir, "pt", "language.json"),
      JSON.stringify({ code: "es", name: "Spanish", nativeName: "Español", scripts: ["Latn"] }),
    );
    expect(() => loadLanguageCatalog(dir)).toThrow(/says code "es" but sits in folder "pt"/);
  });

  it("reports a malformed language.json with its path", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-languages-"));
    mkdirSync(join(dir, "xx"));
    writeFileSync(join(dir, "xx", "language.json"), "{ not json");
    expect(() => loadLanguageCatalog(dir)).toThrow(/xx[/\\]language\.json/);
  });

  it("rejects a variant in a script the language does not list, naming the file and the fix", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-languages-"));
    mkdirSync(join(dir, "hi"));
    writeFileSync(
      join(dir, "hi", "language.json"),
      JSON.stringify({
        code: "hi",
        name: "Hindi",
        nativeName: "हिन्दी",
        scripts: ["Deva"],
        variants: [{ name: "Hinglish", script: "Latn", cues: ["nahi", "kya"] }],
      }),
    );
    expect(() => loadLanguageCatalog(dir)).toThrow(
      /hi[/\\]language\.json: variants\[0\] \("Hinglish"\) is written in Latn.*add it to "scripts"/,
    );
  });

  it("rejects detectedAs naming a language outside the catalog, and a cue pattern that is no regular expression", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-languages-"));
    mkdirSync(join(dir, "id"));
    const indonesian = { code: "id", name: "Indonesian", nativeName: "Bahasa Indonesia", scripts: ["Latn"] };
    writeFileSync(join(dir, "id", "language.json"), JSON.stringify({ ...indonesian, detectedAs: "ms" }));
    expect(() => loadLanguageCatalog(dir)).toThrow(/detectedAs "ms" is not another catalog language/);
    writeFileSync(join(dir, "id", "language.json"), JSON.stringify({ ...indonesian, cues: ["gak"], cuePattern: "([" }));
    expect(() => loadLanguageCatalog(dir)).toThrow(/regular expression[\s\S]*at cuePattern/);
  });
});
