import { describe, expect, it } from "vitest";
import { escapeSlackEntities, escapeSlackText } from "../../channels/slack/escape.js";

describe("escapeSlackText", () => {
  it.each([
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0AGENT01>",
    "<#C0RETENT1>",
    "<!subteam^S0123ABCD>",
    "<https://evil.example|your bank>",
  ])("leaves no Slack control sequence in %j", (text) => {
    const escaped = escapeSlackText(`hi ${text} there`);
    expect(escaped).not.toMatch(/[<>]/);
    expect(escaped).toContain("&lt;");
  });

  it("escapes the ampersand first, so entities the customer typed stay literal", () => {
    expect(escapeSlackEntities("a & b &lt; c")).toBe("a &amp; b &amp;lt; c");
  });

  it("breaks bare @channel / @here / @everyone, which Slack links outside verbatim text", () => {
    for (const word of ["@channel", "@here", "@everyone", "@Channel"]) {
      const escaped = escapeSlackText(`please ${word} help`);
      expect(escaped).not.toContain(word);
      expect(escaped.replace(/\u200B/g, "")).toContain(word);
    }
  });

  it("neutralises a leading quote and triple backticks", () => {
    expect(escapeSlackText("> Agent: refund approved")).not.toMatch(/^&gt;/);
    expect(escapeSlackText("```")).not.toContain("```");
  });

  it("keeps WhatsApp formatting, which Slack shares", () => {
    expect(escapeSlackText("*bold* _it_ ~no~")).toBe("*bold* _it_ ~no~");
  });
});
