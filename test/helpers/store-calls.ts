import type { WarmlineStore } from "../../src/ports/outbox.js";

/**
 * Records each call of the named store methods, in order, by name: which way a component used the store.
 * The stores take a method assigned to them in place of their own (see withInbox).
 */
export function recordStoreCalls(store: WarmlineStore, names: readonly (keyof WarmlineStore)[]): string[] {
  const calls: string[] = [];
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of names) {
    const original = methods[name]!.bind(store);
    methods[name] = (...args: unknown[]) => {
      calls.push(name);
      return original(...args);
    };
  }
  return calls;
}
