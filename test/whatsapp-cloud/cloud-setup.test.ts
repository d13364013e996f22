import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manifestBotScopes, runDoctor } from "../../src/cli/doctor.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { loadEnv } from "../../src/config/load-config.js";
import { parseConfig } from "../../src/config/load-config.js";
import {
  FAKE_GRAPH_ACCESS_TOKEN,
  FAKE_GRAPH_PHONE_NUMBER_ID,
  type FakeGraphApi,
  startFakeGraphApi,
} from "../../src/sandbox/fake-graph-api.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { HARNESS_CHANNELS } from "../helpers/slack-harness.js";

const root = new URL("../../", import.meta.url).pathname;
const shipped = () => JSON.parse(readFileSync(join(root, "warmline.config.json"), "utf8")) as Record<string, Record<string, unknown>>;
const SLACK = { SLACK_BOT_TOKEN: "xoxb-cloud", SLACK_SIGNING_SECRET: "secret", SLACK_APP_TOKEN: "xapp-cloud" };

describe("whatsapp.kind and the Cloud API's settings", () => {
  it('defaults to "web", which needs none of the WHATSAPP_* settings', () => {
    const config = parseConfig(shipped());
    expect(config.whatsapp.kind).toBe("web");
    expect(loadEnv(SLACK, config).whatsappCloud).toBeUndefined();
  });

  it("cloud names every missing setting and where it is in Meta's dashboard, in one message", () => {
    const raw = shipped();
    raw.whatsapp = { kind: "cloud" };
    raw.http = { port: 8080 };
    const error = (() => {
      try {
        loadEnv(SLACK, parseConfig(raw));
      } catch (e) {
        return e;
      }
    })();
    expect(isWarmlineError(error, "config_missing_setting")).toBe(true);
    const message = (error as Error).message;
    for (const [name, where] of [
      ["WHATSAPP_ACCESS_TOKEN", "System users"],
      ["WHATSAPP_PHONE_NUMBER_ID", "API Setup"],
      ["WHATSAPP_APP_SECRET", "App settings → Basic"],
      ["WHATSAPP_VERIFY_TOKEN", "Configuration → Webhook"],
    ])
      expect(message).toMatch(new RegExp(`${name} is missing: .*${where}`));
  });

  it("cloud in Socket Mode asks for http.port, and a survey template must be one of the templates", () => {
    const raw = shipped();
    raw.whatsapp = { kind: "cloud", surveyTemplate: "nope" };
    const error = (() => {
      try {
        parseConfig(raw);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/http\.port: whatsapp\.kind "cloud" in Socket Mode needs a port/);
    expect(error?.message).toMatch(/whatsapp\.surveyTemplate: template "nope" is not in whatsapp\.templates/);
  });
});

describe("warmline doctor with whatsapp.kind cloud", () => {
  let dir: string;
  let slack: FakeSlackApi;
  let graph: FakeGraphApi;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "warmline-cloud-doctor-"));
    slack = await startFakeSlackApi({
      channels: structuredClone(HARNESS_CHANNELS),
      grantedScopes: manifestBotScopes(),
      validTokens: ["xoxb-cloud"],
    });
    graph = await startFakeGraphApi();
  });
  afterEach(async () => {
    await slack.close();
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function doctor(token: string): Promise<{ code: number; text: string }> {
    const raw = shipped();
    raw.whatsapp = { kind: "cloud" };
    raw.http = { port: 8080 };
    const configFile = join(dir, "warmline.config.json");
    writeFileSync(configFile, JSON.stringify(raw));
    const dataDir = join(dir, "data");
    mkdirSync(dataDir, { recursive: true });
    await (await createSqliteStore({ file: join(dataDir, "warmline.sqlite") })).close();
    const env = {
      ...SLACK,
      SLACK_API_URL: slack.url,
      WHATSAPP_ACCESS_TOKEN: token,
      WHATSAPP_PHONE_NUMBER_ID: FAKE_GRAPH_PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: "app-secret",
      WHATSAPP_VERIFY_TOKEN: "verify",
      WHATSAPP_API_URL: graph.url,
    };
    let text = "";
    const output = new Writable({ write: (chunk, _enc, done) => void ((text += String(chunk)), done()) });
    const code = await runDoctor({ configFile, dataDir, env, output });
    return { code, text };
  }

  it("checks the token against Meta instead of a WhatsApp Web session and browser", async () => {
    const { code, text } = await doctor(FAKE_GRAPH_ACCESS_TOKEN);
    expect(text).toMatch(/whatsapp cloud api.*the access token works for phone number id/i);
    expect(text).not.toMatch(/whatsapp session|whatsapp browser/);
    expect(code).toBe(0);
  });

  it("fails with where to get a new token when Meta rejects it", async () => {
    const { code, text } = await doctor("EAAG-revoked");
    expect(code).toBe(1);
    expect(text).toMatch(/Meta rejected WHATSAPP_ACCESS_TOKEN.*System users/);
  });
});
