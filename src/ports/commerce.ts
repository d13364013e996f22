export interface Order {
  id: string;
  status: "processing" | "shipped" | "delivered" | "cancelled" | "returned";
  total: number;
  currency: string;
  placedAt: string;
  eta?: string;
  items: string[];
}

export interface RefundPolicyCheck {
  eligible: boolean;
  /** Why (e.g. "Refunds are accepted within 30 days of delivery"). */
  rule: string;
  /** Set when a human must approve an exception to the policy. */
  needsException?: boolean;
}

/** Port: the business's order system. A file-backed sample ships in src/assistant/sample-commerce.ts. */
export interface Commerce {
  lookupOrder(orderId: string): Promise<Order | undefined>;
  checkRefundPolicy(orderId: string, amount?: number): Promise<RefundPolicyCheck>;
}
