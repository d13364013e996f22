import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wweb from "whatsapp-web.js";
import { WHATSAPP_BROWSER_ARGS, whatsappClientOptions } from "../../channels/whatsapp/client-options.js";

describe("whatsappClientOptions", () => {
  it("keeps the session in the data directory and drives the found browser headless", () => {
    const options = whatsappClientOptions({ dataDir: "/var/lib/warmline", browserPath: "/usr/bin/chromium" });
    expect(options.authStrategy).toBeInstanceOf(wweb.LocalAuth);
    expect((options.authStrategy as InstanceType<typeof wweb.LocalAuth>).dataPath).toBe(join("/var/lib/warmline", "whatsapp-session"));
    expect(options.puppeteer).toMatchObject({ executablePath: "/usr/bin/chromium", headless: true });
    expect(options.puppeteer?.args).toEqual([...WHATSAPP_BROWSER_ARGS]);
    expect(options.puppeteer?.args).toContain("--no-sandbox");
  });

  it("can show the browser for debugging", () => {
    expect(whatsappClientOptions({ dataDir: "/tmp/w", browserPath: "/x", headless: false }).puppeteer?.headless).toBe(false);
  });
});
