import { createServer, connect } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load-config.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { SANDBOX_CHANNELS, SANDBOX_USERS } from "../../src/demo/sandbox.js";
import { startFakeSlackApi } from "../helpers/fake-slack-api.js";
import { FakeWhatsAppClient } from "../helpers/fake-whatsapp-client.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

describe("startWarmline when a late start-up step fails", () => {
  it("rejects with the reason and the fix, and closes what it had opened (no hanging process)", async () => {
    const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
    try {
      const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.slack.mode = "http";
      const client = new FakeWhatsAppClient();
      client.initialize = async () => {
        throw new Error("Failed to launch the browser process");
      };
      const port = await freePort();
      await expect(
        startWarmline({
          config,
          dataDir: mkdtempSync(join(tmpdir(), "warmline-startfail-")),
          env: { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "secret", SLACK_API_URL: api.url, PORT: String(port) },
          whatsapp: { client },
          logger: createSilentLogger(),
        }),
      ).rejects.toThrow(/WhatsApp Web failed to start .*browserPath or CHROME_PATH/);
      expect(await refusesConnections(port)).toBe(true);
    } finally {
      await api.close();
    }
  });
});
