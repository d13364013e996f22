import { describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import {
  decodeSlackAgentId,
  decodeSlackMessageRef,
  decodeSlackThreadRef,
  encodeSlackAgentId,
  encodeSlackMessageRef,
  encodeSlackThreadRef,
  slackUserIdOf,
} from "../../channels/slack/slack-ids.js";

describe("Slack ids", () => {
  it("round-trips thread refs, message refs and agent ids", () => {
    const thread = encodeSlackThreadRef({ channel: "C0RETENT1", threadTs: "1700000100.000001" });
    expect(thread).toBe("slack:C0RETENT1:1700000100.000001");
    expect(decodeSlackThreadRef(thread)).toEqual({ channel: "C0RETENT1", threadTs: "1700000100.000001" });
    expect(decodeSlackMessageRef(encodeSlackMessageRef({ channel: "G0PRIV001", ts: "1.2" }))).toEqual({ channel: "G0PRIV001", ts: "1.2" });
    expect(encodeSlackAgentId("U0AGENT01")).toBe("slack:U0AGENT01");
    expect(decodeSlackAgentId("slack:U0AGENT01")).toBe("U0AGENT01");
  });

  it.each(["whatsapp:15551234567@c.us", "slack:C0RETENT1", "slack:C0RETENT1:notats", "slack:c0lower:1.2", "", "slack:C0RETENT1:1.2:extra"])(
    "refuses %j as a thread ref, naming it",
    (bad) => {
      let caught: unknown;
      try {
        decodeSlackThreadRef(bad);
      } catch (error) {
        caught = error;
      }
      expect(isWarmlineError(caught, "bad_id")).toBe(true);
      expect((caught as Error).message).toContain(`"${bad}"`);
    },
  );

  it("refuses agent ids that are not Slack users", () => {
    expect(() => decodeSlackAgentId("whatsapp:123")).toThrow(/"whatsapp:123" is not a Slack agent id/);
    expect(() => decodeSlackAgentId("slack:C0RETENT1")).toThrow(/bad|not a Slack/);
    expect(slackUserIdOf("web:alice")).toBeUndefined();
    expect(slackUserIdOf("slack:W0ENTERPR")).toBe("W0ENTERPR");
  });
});
