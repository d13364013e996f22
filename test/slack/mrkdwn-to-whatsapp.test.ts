import { describe, expect, it } from "vitest";
import { mentionedSlackUserIds, mrkdwnToWhatsApp } from "../../channels/slack/mrkdwn-to-whatsapp.js";

const names: Record<string, string> = { U0AGENT01: "Alex", U0AGENT02: "Sam" };
const convert = (text: string) => mrkdwnToWhatsApp(text, { userName: (id) => names[id] });

describe("mrkdwnToWhatsApp", () => {
  it.each([
    ["Track it <https://acme.example/t/1042|here>", "Track it here (https://acme.example/t/1042)"],
    ["See <https://acme.example/faq>", "See https://acme.example/faq"],
    ["<https://acme.example|https://acme.example>", "https://acme.example"],
    ["Mail <mailto:help@acme.example|help@acme.example>", "Mail help@acme.example"],
    ["Ask <@U0AGENT02>", "Ask @Sam"],
    ["Ask <@U0NOBODY>", "Ask @U0NOBODY"],
    ["in <#C0BILLING|billing>", "in #billing"],
    ["<!here> your refund is on its way", "your refund is on its way"],
    ["Hi <!channel> there", "Hi there"],
    ["<!subteam^S0123ABCD|@billing-team> will call", "@billing-team will call"],
    ["Due <!date^1715000000^{date}|6 May 2024>", "Due 6 May 2024"],
    ["Fish &amp; chips &lt;3 &gt; all", "Fish & chips <3 > all"],
    ["&amp;lt; stays literal", "&lt; stays literal"],
    ["Thanks :smile: :+1: :thumbsup: :tada:", "Thanks 😄 👍 👍 🎉"],
    ["Hi :wave::skin-tone-3:", "Hi 👋🏼"],
    [":not_an_emoji: stays", ":not_an_emoji: stays"],
    ["*bold* _italic_ ~strike~", "*bold* _italic_ ~strike~"],
    ["Use code `SAVE10` at checkout", "Use code ```SAVE10``` at checkout"],
    ["```\nline 1\n  indented :smile:\n```", "```\nline 1\n  indented :smile:\n```"],
    ["```a &amp; <https://x.example|x>```", "```a & https://x.example```"],
  ])("%j → %j", (input, expected) => {
    expect(convert(input)).toBe(expected);
  });

  it("lists mentioned users so callers can look names up first", () => {
    expect(mentionedSlackUserIds("<@U0AGENT01> and <@U0AGENT02|sam> and <@U0AGENT01>")).toEqual(["U0AGENT01", "U0AGENT02"]);
  });
});
