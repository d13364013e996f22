import { readFileSync } from "node:fs";
import { z } from "zod";
import { WarmlineError } from "../domain/errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { Commerce, Order, RefundPolicyCheck } from "../ports/commerce.js";

/** Refunds are accepted for this many days after delivery; later ones need a human's exception. */
export const REFUND_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** An ISO date, or an offset from now such as "-10d" (ten days ago) so the sample never goes stale. */
const dateSchema = z
  .string()
  .refine(
    (value) => /^[+-]\d+d$/.test(value) || !Number.isNaN(Date.parse(value)),
    'use an ISO date ("2025-05-03") or an offset such as "-10d"',
  );

const orderSchema = z.object({
  id: z.string().min(1),
  status: z.enum(["processing", "shipped", "delivered", "cancelled", "returned"]),
  total: z.number().nonnegative(),
  currency: z.string().length(3, "use a 3-letter currency code such as USD"),
  placedAt: dateSchema,
  deliveredAt: dateSchema.optional(),
  eta: dateSchema.optional(),
  items: z.array(z.string()).default([]),
});
const ordersFileSchema = z.object({ orders: z.array(orderSchema) });
type StoredOrder = z.infer<typeof orderSchema>;

function resolveDate(value: string, now: number): number {
  const offset = /^([+-]\d+)d$/.exec(value);
  return offset ? now + Number(offset[1]) * DAY_MS : Date.parse(value);
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Order ids are compared without "#", spaces or case: customers type them every which way. */
const orderKey = (id: string) => id.replace(/[#\s]/g, "").toUpperCase();

function readOrders(file: string): StoredOrder[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new WarmlineError(
      "config_invalid",
      `Cannot load sample orders from ${file} (${(cause as Error).message}): point assistant.orders at a JSON file shaped like data/orders.json.`,
      cause,
    );
  }
  const parsed = ordersFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join(".") || "(top level)"}: ${issue.message}`).join("\n");
    throw new WarmlineError(
      "config_invalid",
      `${file} is not a valid orders file:\n${problems}\nFix it to match data/orders.json.`,
      parsed.error,
    );
  }
  return parsed.data.orders;
}

export interface FileCommerceOptions {
  /** Injected so refund windows can be tested at any moment. */
  clock?: Clock;
}

/**
 * A Commerce backed by a JSON file of sample orders, for demos and tests. The file is read once,
 * at creation, so a broken file fails at start-up rather than mid-conversation.
 */
export function createFileCommerce(ordersFile: string, options: FileCommerceOptions = {}): Commerce {
  const clock = options.clock ?? systemClock;
  const orders = new Map(readOrders(ordersFile).map((order) => [orderKey(order.id), order]));

  const toOrder = (stored: StoredOrder, now: number): Order => {
    const order: Order = {
      id: stored.id,
      status: stored.status,
      total: stored.total,
      currency: stored.currency,
      placedAt: isoDay(resolveDate(stored.placedAt, now)),
      items: [...stored.items],
    };
    if (stored.eta !== undefined) order.eta = isoDay(resolveDate(stored.eta, now));
    return order;
  };

  return {
    async lookupOrder(orderId) {
      const stored = orders.get(orderKey(orderId));
      return stored ? toOrder(stored, clock.now()) : undefined;
    },

    async checkRefundPolicy(orderId, amount): Promise<RefundPolicyCheck> {
      const stored = orders.get(orderKey(orderId));
      if (!stored) return { eligible: false, rule: `There is no order ${orderId} on file; a refund needs a valid order number.` };
      const money = (value: number) => `${value.toFixed(2)} ${stored.currency}`;
      switch (stored.status) {
        case "cancelled":
          return {
            eligible: false,
            rule: `Order ${stored.id} was cancelled; any payment is returned automatically within 5 business days.`,
          };
        case "returned":
          return { eligible: false, rule: `Order ${stored.id} was already returned and refunded.` };
        case "processing":
        case "shipped":
          return {
            eligible: false,
            rule: `Order ${stored.id} has not been delivered yet; refunds start after delivery, or the order can be cancelled.`,
          };
        case "delivered":
          break;
      }
      if (amount !== undefined && amount > stored.total) {
        return {
          eligible: false,
          rule: `The ${money(amount)} asked for is more than the order total of ${money(stored.total)}; a refund cannot exceed what was paid.`,
        };
      }
      const deliveredAt = resolveDate(stored.deliveredAt ?? stored.placedAt, clock.now());
      const days = Math.floor((clock.now() - deliveredAt) / DAY_MS);
      if (days > REFUND_WINDOW_DAYS) {
        return {
          eligible: false,
          needsException: true,
          rule: `Refunds are accepted within ${REFUND_WINDOW_DAYS} days of delivery; order ${stored.id} was delivered ${days} days ago, so only a colleague can approve an exception.`,
        };
      }
      return {
        eligible: true,
        rule: `Refunds are accepted within ${REFUND_WINDOW_DAYS} days of delivery; order ${stored.id} was delivered ${days} days ago.`,
      };
    },
  };
}
