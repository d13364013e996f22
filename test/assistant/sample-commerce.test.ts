import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFileCommerce, DEFAULT_ORDERS_FILE } from "../../src/assistant/index.js";

const NOW = Date.parse("2025-06-15T12:00:00Z");
const commerce = createFileCommerce(DEFAULT_ORDERS_FILE, { clock: { now: () => NOW } });
const dir = mkdtempSync(join(tmpdir(), "warmline-orders-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("createFileCommerce", () => {
  it("looks orders up by id, ignoring '#' and case, with dates resolved against the clock", async () => {
    expect(await commerce.lookupOrder("#100245")).toMatchObject({
      id: "100245",
      status: "delivered",
      total: 250,
      currency: "USD",
      placedAt: "2025-06-01",
    });
    expect(await commerce.lookupOrder("ab-20481")).toMatchObject({ id: "AB-20481", status: "cancelled" });
    expect(await commerce.lookupOrder("123")).toBeUndefined();
  });

  it("allows a refund within 30 days of delivery, up to the order total", async () => {
    expect(await commerce.checkRefundPolicy("100245", 250)).toMatchObject({ eligible: true, rule: expect.stringContaining("30 days") });
    expect(await commerce.checkRefundPolicy("100245", 300)).toMatchObject({
      eligible: false,
      rule: expect.stringContaining("more than the order total"),
    });
  });

  it("needs a human exception after the window, and refuses undelivered or unknown orders", async () => {
    expect(await commerce.checkRefundPolicy("100102")).toMatchObject({ eligible: false, needsException: true });
    expect(await commerce.checkRefundPolicy("100311")).toMatchObject({
      eligible: false,
      rule: expect.stringContaining("not been delivered"),
    });
    expect(await commerce.checkRefundPolicy("424242")).toMatchObject({ eligible: false, rule: expect.stringContaining("no order 424242") });
  });

  it("fails at creation with a clear message when the file is broken", () => {
    const file = join(dir, "orders.json");
    writeFileSync(file, JSON.stringify({ orders: [{ id: "1", status: "lost", total: 1, currency: "USD", placedAt: "-1d" }] }));
    expect(() => createFileCommerce(file)).toThrow(
      expect.objectContaining({ code: "config_invalid", message: expect.stringContaining("orders.0.status") }),
    );
    expect(() => createFileCommerce(join(dir, "missing.json"))).toThrow(/Cannot load sample orders/);
  });
});
