import type { AgentRef, Conversation } from "../domain/conversation.js";
import { WarmlineError } from "../domain/errors.js";
import { describeError, digitsOf, type EngineCore } from "./engine-core.js";
import type { InboxProcessor } from "./inbox-processor.js";

/**
 * The right to be forgotten: deletes everything about the customer with this phone number or channel
 * address: their workspace threads first (only known from the conversations), then what waits or is
 * parked in the inbox for them and their threads, then the conversations with their audit trail and
 * outbox lanes, with those inbox lanes held so that nothing is processed in them meanwhile.
 */
export async function forgetCustomer(
  core: EngineCore,
  phoneOrAddress: string,
  by: AgentRef,
  hold: InboxProcessor["holdLanes"],
): Promise<{ conversations: number; threadsNotErased?: number }> {
  const { store, log } = core;
  const wanted = phoneOrAddress.trim();
  // An address ("whatsapp:…@lid", a chat with no known phone) is found through the store's customer index.
  let matching = await store.listByCustomer(wanted);
  // Their addresses, for the inbox too: a message parked before any conversation existed holds their words.
  const addresses = new Set<string>();
  if (wanted.includes(":")) addresses.add(wanted);
  if (matching.length === 0 && !wanted.includes(":")) {
    const digits = digitsOf(wanted);
    if (digits.length < 6) {
      throw new WarmlineError(
        "input_invalid",
        `"${phoneOrAddress}" is neither a phone number nor a customer address: give the number in international form (+447700900123) or the WhatsApp address from the card (whatsapp:…).`,
      );
    }
    // The channel knows which address a phone number has; only a channel that can't say falls back to a scan.
    const address = core.customers.addressForPhone?.(digits);
    if (address) addresses.add(address);
    matching = address
      ? await store.listByCustomer(address)
      : (await store.listSince(0)).filter((c) => c.customer.phone && digitsOf(c.customer.phone) === digits);
  }
  for (const c of matching) addresses.add(c.customer.address);
  const threadsOf = (conversations: Conversation[]) =>
    conversations.flatMap((c) => c.escalations.flatMap((e) => (e.thread ? [e.thread] : [])));
  // Held while erased: a message being processed in one of these lanes would otherwise commit after
  // the erasure and bring the conversation back.
  const { conversations, inboxEntries, threadsNotErased } = await hold([...addresses, ...threadsOf(matching)], async () => {
    // Read again inside the hold: what was processed before it is here now, and nothing more comes.
    const current = (await Promise.all([...addresses].map((address) => store.listByCustomer(address)))).flat();
    const ids = new Set([...matching, ...current].map((c) => c.id));
    // Slack first: the threads are only known from the conversations about to be deleted.
    const threads = new Set([...threadsOf(matching), ...threadsOf(current)]);
    let threadsNotErased = 0;
    for (const thread of threads) {
      try {
        await core.workspace.eraseThread?.(thread);
      } catch (error) {
        threadsNotErased++;
        log.error({ err: describeError(error) }, "Could not erase a forgotten customer's thread in the workspace; delete it by hand");
      }
    }
    // Messages received but not yet processed, or parked for replay, hold the customer's and agents' words too.
    const inboxEntries = await store.forgetInboxLanes([...addresses, ...threads]);
    let conversations = 0;
    // The store removes each conversation with its audit trail and its outbox lane.
    for (const address of addresses) conversations += await store.forgetCustomer(address);
    for (const [id, ref] of core.deliveryRefs) if (ids.has(ref.conversationId)) core.deliveryRefs.delete(id);
    return { conversations, inboxEntries, threadsNotErased };
  });
  log.info({ by: by.id, conversations, inboxEntries, threadsNotErased }, "Customer forgotten");
  return { conversations, ...(threadsNotErased > 0 ? { threadsNotErased } : {}) };
}
