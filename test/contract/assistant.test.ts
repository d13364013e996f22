import { afterAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../../src/assistant/corpus.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { DEFAULT_CORPUS_FILE } from "../../src/assistant/paths.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { type ModelSandbox, startModelSandbox, withModel } from "../helpers/model-sandbox.js";
import { ASSISTANT_CONTRACT_NOW, runAssistantContract } from "./assistant.contract.js";

const config = loadConfigFile(SHIPPED_CONFIG_FILE);
const clock = { now: () => ASSISTANT_CONTRACT_NOW };
const taxonomy = async () => new Set([...(await loadCorpus(DEFAULT_CORPUS_FILE)).map((example) => example.intent), "none"]);

runAssistantContract("offline (NLP.js)", async () => ({
  assistant: await createAssistantFromConfig(config, { clock }),
  taxonomy: await taxonomy(),
}));

let sandbox: ModelSandbox | undefined;
afterAll(() => sandbox?.close());

runAssistantContract("openai-compatible (the sandbox's fake server)", async () => {
  sandbox = await startModelSandbox(config, clock);
  return { assistant: await sandbox.assistant(withModel(config)), taxonomy: await taxonomy() };
});

describe("the model path of the contract", () => {
  it("was answered by the model on every call: no fallback stood in for it", () => {
    expect(sandbox?.calls.length).toBeGreaterThan(0);
    expect(sandbox?.calls.filter((call) => call.outcome !== "answered")).toEqual([]);
  });
});
