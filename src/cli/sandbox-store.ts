import type { WarmlineConfig } from "../config/schema.js";
import { playStory } from "../demo/story.js";
import type { ConversationStore } from "../ports/conversation-store.js";

/** What a command reads from the sandbox once the demo story has played. */
export interface SandboxStore {
  config: WarmlineConfig;
  store: ConversationStore;
  /** The story's clock: "now" for windows such as --since 7d. */
  now(): number;
}

/**
 * `--sandbox`: plays the demo story (npm run demo) silently in a throwaway sandbox, runs `command`
 * on its store, then removes the sandbox. Lets a newcomer try report and export-feedback with real
 * figures before installing anything.
 */
export async function inSandbox(log: NodeJS.WritableStream, command: (sandbox: SandboxStore) => Promise<number>): Promise<number> {
  log.write("Sandbox: the demo story (npm run demo) played in a throwaway store; these figures are its, not your installation's.\n");
  let code = 1;
  await playStory(() => undefined, {
    afterwards: async (sandbox, clock) => {
      code = await command({ config: sandbox.config, store: sandbox.handle.store, now: () => clock.now() });
    },
  });
  return code;
}
