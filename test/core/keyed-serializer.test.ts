import { describe, expect, it } from "vitest";
import { createKeyedSerializer } from "../../src/engine/keyed-serializer.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("keyed serializer", () => {
  it("runs one key's tasks in arrival order, even when an earlier one is slower", async () => {
    const serializer = createKeyedSerializer();
    const order: string[] = [];
    const gate = deferred();
    const first = serializer.run("a", async () => {
      await gate.promise;
      order.push("a1");
    });
    const second = serializer.run("a", async () => {
      order.push("a2");
    });
    const other = serializer.run("b", async () => {
      order.push("b1");
    });
    await other;
    expect(order).toEqual(["b1"]);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(["b1", "a1", "a2"]);
  });

  it("keeps going after a task fails, and reports the failure to its caller", async () => {
    const serializer = createKeyedSerializer();
    const failing = serializer.run("a", async () => {
      throw new Error("boom");
    });
    const next = serializer.run("a", async () => "ok");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
    await serializer.idle();
  });
});
