import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCorpus } from "../../src/assistant/corpus.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { checkTriageTargets, evaluateTriage, loadExpectations } from "../../src/cli/evaluate-triage.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";

const BITEXT = join(PACKAGE_ROOT, "..", "shared", "data", "bitext");
const available = existsSync(join(BITEXT, "dev.csv")) && existsSync(join(BITEXT, "expectations.json"));
if (!available) console.warn(`Skipping the triage quality bars: ${BITEXT} is absent (put ../shared beside the repository).`);

// Quality only: speed is reported by `npm run eval`, never asserted here.
describe.skipIf(!available)("default triage on the labelled dev set", () => {
  it("meets the escalation recall, false-escalation, team and intent bars", async () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    const assistant = await createAssistantFromConfig(config);
    const evaluation = await evaluateTriage(
      assistant,
      config,
      await loadCorpus(join(BITEXT, "dev.csv")),
      loadExpectations(join(BITEXT, "expectations.json")),
    );
    const figures = evaluation.overall.figures();
    expect(checkTriageTargets(figures, false), JSON.stringify(figures)).toEqual({
      recall: true,
      falseEscalation: true,
      team: true,
      intent: true,
    });
    // Each must-escalate intent escalates on its own too, not just on average.
    for (const intent of Object.keys(loadExpectations(join(BITEXT, "expectations.json")).escalate_on_first_message)) {
      expect(evaluation.byIntent.get(intent)?.figures().escalationRecall, intent).toBeGreaterThanOrEqual(0.95);
    }
  }, 60_000);
});
