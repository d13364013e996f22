import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkModelEndpoint } from "../../src/assistant/model/endpoint-check.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { runDoctor } from "../../src/cli/doctor.js";
import { loadConfigFile, loadEnv } from "../../src/config/load-config.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { FAKE_MODEL_ID, type FakeOpenAiServer, startFakeOpenAiServer } from "../../src/sandbox/fake-openai-server.js";
import { withModel } from "../helpers/model-sandbox.js";

/** `npm start` and `warmline doctor` check that the model server answers and serves the model, and say how to fix it. */

let fake: FakeOpenAiServer;
beforeEach(async () => {
  fake = await startFakeOpenAiServer({ models: ["llama3.1:8b", "qwen2.5:7b"], apiKey: "sk-right" });
});
afterEach(() => fake.close());

describe("checkModelEndpoint", () => {
  it("passes when the server lists the model", async () => {
    expect(await checkModelEndpoint({ baseUrl: fake.baseUrl, model: "llama3.1:8b", apiKey: "sk-right" })).toEqual({
      ok: true,
      detail: `${fake.baseUrl} serves llama3.1:8b`,
    });
  });

  it("names a model the server lacks, what it has, and how to get it", async () => {
    const check = await checkModelEndpoint({ baseUrl: fake.baseUrl, model: "llama3:70b", apiKey: "sk-right" });
    expect(check).toEqual({
      ok: false,
      problem: `${fake.baseUrl} does not serve the model "llama3:70b" (it lists: llama3.1:8b, qwen2.5:7b)`,
      fix: "Set LLM_MODEL to one of those, or fetch the model (Ollama: `ollama pull llama3:70b`).",
    });
  });

  it("names a refused key", async () => {
    const check = await checkModelEndpoint({ baseUrl: fake.baseUrl, model: "llama3.1:8b", apiKey: "sk-wrong" });
    expect(check).toMatchObject({ ok: false, problem: expect.stringContaining("refused the API key (HTTP 401)") });
    expect(!check.ok && check.fix).toMatch(/^Set LLM_API_KEY/);
  });

  it("names a base URL without the /v1 API", async () => {
    const check = await checkModelEndpoint({ baseUrl: fake.baseUrl.replace(/\/v1$/, ""), model: "llama3.1:8b", apiKey: "sk-right" });
    expect(check).toMatchObject({ ok: false, fix: expect.stringContaining("ending in /v1") });
  });

  it("names a server that does not answer, and how to start one", async () => {
    const baseUrl = fake.baseUrl;
    await fake.close();
    const check = await checkModelEndpoint({ baseUrl, model: "llama3.1:8b" });
    expect(check).toMatchObject({ ok: false, problem: expect.stringContaining(`the model server at ${baseUrl} did not answer`) });
    expect(!check.ok && check.fix).toMatch(/ollama serve.*assistant\.kind to "offline"/);
    fake = await startFakeOpenAiServer();
  });
});

describe("the settings", () => {
  const slack = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", SLACK_APP_TOKEN: "xapp-1" };

  it("asks for LLM_BASE_URL and LLM_MODEL only with assistant.kind openai-compatible", () => {
    const offline = { slack: { mode: "socket" as const }, store: { kind: "memory" as const } };
    expect(loadEnv(slack, offline).llm).toBeUndefined();
    let message = "";
    try {
      loadEnv(slack, { ...offline, assistant: { kind: "openai-compatible" } });
    } catch (error) {
      message = isWarmlineError(error, "config_missing_setting") ? error.message : "";
    }
    expect(message).toMatch(/LLM_BASE_URL is missing: set it to the model server's OpenAI-compatible base URL/);
    expect(message).toMatch(/LLM_MODEL is missing/);
    expect(
      loadEnv(
        { ...slack, LLM_BASE_URL: "http://127.0.0.1:11434/v1/", LLM_MODEL: "llama3.1:8b" },
        { ...offline, assistant: { kind: "openai-compatible" } },
      ).llm,
    ).toEqual({
      baseUrl: "http://127.0.0.1:11434/v1",
      model: "llama3.1:8b",
    });
  });

  it("stops the start with assistant_unavailable when the model is missing", async () => {
    const config = withModel(loadConfigFile(SHIPPED_CONFIG_FILE));
    const started = createAssistantFromConfig(config, {}, { llm: { baseUrl: fake.baseUrl, model: "missing:1b", apiKey: "sk-right" } });
    await expect(started).rejects.toMatchObject({
      code: "assistant_unavailable",
      message: expect.stringMatching(/does not serve the model "missing:1b".*LLM_MODEL/),
    });
  });
});

describe("warmline doctor", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "warmline-doctor-model-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function doctor(env: Record<string, string>): Promise<string> {
    const configFile = join(dir, "warmline.config.json");
    const config = JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, "utf8"));
    writeFileSync(configFile, JSON.stringify({ ...config, assistant: { ...config.assistant, kind: "openai-compatible" } }));
    mkdirSync(join(dir, "data"), { recursive: true });
    let text = "";
    const output = new Writable({ write: (chunk, _enc, done) => void ((text += String(chunk)), done()) });
    await runDoctor({
      configFile,
      dataDir: join(dir, "data"),
      env: { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", SLACK_APP_TOKEN: "xapp-1", ...env },
      output,
      overrides: {
        slack: () => ({
          authTest: async () => ({ ok: false, error: "offline", fix: "not part of this test" }),
          channelProblems: async () => [],
        }),
        assistantIntents: async () => ({ corpus: "data/corpus.csv", problems: [] }),
      },
    });
    return text;
  }

  it("reports the model it found", async () => {
    const text = await doctor({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: "qwen2.5:7b", LLM_API_KEY: "sk-right" });
    expect(text).toContain(`ok   assistant model: ${fake.baseUrl} serves qwen2.5:7b`);
  });

  it("fails on a model the server lacks, with the fix", async () => {
    const text = await doctor({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: FAKE_MODEL_ID, LLM_API_KEY: "sk-right" });
    expect(text).toContain(`FAIL assistant model: ${fake.baseUrl} does not serve the model "${FAKE_MODEL_ID}"`);
    expect(text).toContain("fix: Set LLM_MODEL to one of those");
  });

  it("fails the environment without LLM_BASE_URL, and skips the model check", async () => {
    const text = await doctor({});
    expect(text).toMatch(/FAIL environment: .*\n(.*\n)*.*fix: LLM_BASE_URL is missing/);
    expect(text).toContain("skip assistant model: not checked: needs LLM_BASE_URL and LLM_MODEL");
  });
});
