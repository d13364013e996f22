import { describe, expect, it } from "vitest";
import { escapeSlackText } from "../../channels/slack/escape.js";
import { SLACK_SECTION_TEXT_LIMIT } from "../../channels/slack/slack-limits.js";
import { buildTranscriptPosts, renderTranscript, splitForSlack } from "../../channels/slack/transcript-posts.js";
import { T0 } from "./context-fixture.js";

describe("transcript posts", () => {
  it("one line per entry: author, time, escaped text", () => {
    const text = renderTranscript([{ author: "Maria", text: "hi <!channel> & bye", at: T0 }]);
    expect(text).toBe(`*Maria* _<!date^${T0 / 1000}^{time}|2024-05-06 10:00 UTC>_: hi &lt;!channel&gt; &amp; bye`);
  });

  it("names the language on a customer line where it changes", () => {
    const [line] = renderTranscript([{ author: "Maria", text: "quero cancelar", at: T0, language: "Portuguese" }]).split("\n");
    expect(line).toMatch(/^\*Maria\* _<!date\^\d+\^\{time\}\|[^>]+>_ \(in Portuguese\): quero cancelar$/);
  });

  it("splits a 100 kB transcript within the limit without losing a character", () => {
    const transcript = Array.from({ length: 400 }, (_, i) => ({
      author: i % 2 ? "Assistant" : "Maria",
      // Long lines, entities and emoji (surrogate pairs) near chunk boundaries.
      text: `${i} ${"Where is my parcel & why <late>? 📦 ".repeat(i % 7 === 0 ? 120 : 6)}`,
      at: T0 + i * 1000,
    }));
    const rendered = renderTranscript(transcript);
    expect(rendered.length).toBeGreaterThan(100_000);
    const posts = buildTranscriptPosts(transcript);
    expect(posts.join("")).toBe(rendered);
    for (const post of posts) {
      expect(post.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
      expect(post).not.toMatch(/&(a|am|amp|l|lt|g|gt)?$/);
      expect(post).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(post).not.toMatch(/^[\uDC00-\uDFFF]/);
    }
    expect(posts.length).toBeGreaterThan(30);
  });

  it("hard-splits a single line longer than the limit", () => {
    const line = escapeSlackText("<".repeat(5000));
    const chunks = splitForSlack(line, 3000);
    expect(chunks.join("")).toBe(line);
    expect(chunks.every((c) => c.length <= 3000 && /^(&lt;)+$/.test(c))).toBe(true);
  });

  it("posts nothing for an empty transcript", () => {
    expect(buildTranscriptPosts([])).toEqual([]);
  });
});
