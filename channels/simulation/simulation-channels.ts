import type { ContextPackage } from "../../src/domain/context-package.js";
import type { AgentWorkspace, CardStatus, ThreadPost } from "../../src/ports/agent-workspace.js";
import type { CustomerChannel, OutboundCustomerMessage } from "../../src/ports/customer-channel.js";

/** Everything the simulated customer received and everything posted to the simulated workspace. */
export interface SimulationLog {
  toCustomer: OutboundCustomerMessage[];
  cards: { thread: string; context: ContextPackage }[];
  cardUpdates: { thread: string; status: CardStatus }[];
  threadPosts: { thread: string; post: ThreadPost }[];
}

/**
 * In-process adapters for `warmline simulate`: a customer channel and an agent workspace that
 * deliver to a log (and an optional printer) instead of WhatsApp and Slack.
 */
export function createSimulationChannels(print: (line: string) => void = () => undefined): {
  customers: CustomerChannel;
  workspace: AgentWorkspace;
  log: SimulationLog;
} {
  const log: SimulationLog = { toCustomer: [], cards: [], cardUpdates: [], threadPosts: [] };
  let sent = 0;
  let threads = 0;

  const customers: CustomerChannel = {
    name: "simulation",
    isReady: () => true,
    start: async () => undefined,
    stop: async () => undefined,
    send: async (message) => {
      log.toCustomer.push(message);
      print(`  customer sees  | ${message.text}`);
      return { channelMessageId: `sim-out-${++sent}` };
    },
  };

  const workspace: AgentWorkspace = {
    name: "simulation",
    postEscalation: async (context) => {
      const thread = `sim-thread-${++threads}`;
      log.cards.push({ thread, context });
      print(
        `  card → ${context.escalation.team} | ${context.escalation.reason} (${context.escalation.priority}): ${context.escalation.explanation}`,
      );
      print(`  card summary   | ${context.summary}`);
      return { thread };
    },
    updateCard: async (thread, _context, status) => {
      log.cardUpdates.push({ thread, status });
      print(`  card status    | ${status.kind}`);
    },
    postToThread: async (thread, post) => {
      log.threadPosts.push({ thread, post });
      print(`  thread         | ${post.kind === "customer_message" ? post.text : post.kind}`);
    },
  };

  return { customers, workspace, log };
}
