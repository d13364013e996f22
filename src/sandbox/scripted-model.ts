/**
 * A scripted "model" for the fake OpenAI-compatible server: it reads the customer's message where
 * the prompt tells any model to find it (the "message" field of the user message's JSON data), has
 * a deterministic classifier (in practice the offline assistant's) read it, and answers in the
 * shape the request's JSON schema asks for, never with an intent the schema does not list. Its
 * figures measure Warmline's model plumbing (prompt, masking, schema, validation, fallback), not a
 * model: a real model's quality is measured by pointing `npm run eval -- --assistant openai-compatible`
 * at it.
 */
import type { FakeChatRequest, FakeModel } from "./fake-openai-server.js";

export interface ScriptedClassification {
  intent: string;
  confidence: number;
  entities: { orderNumber?: string; amount?: number; currency?: string };
}

export interface ScriptedModelOptions {
  classify(text: string): Promise<ScriptedClassification>;
  /** Below this confidence it offers a person (reason low_confidence) instead of going on. */
  offerBelow: number;
}

/** The new customer message in a request: its user message's "message" field, else the whole user message. */
export function customerMessageOf(request: FakeChatRequest): string {
  const user = request.messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
  try {
    const data = JSON.parse(user) as { message?: unknown };
    return typeof data.message === "string" ? data.message : user;
  } catch {
    return user;
  }
}

/** The intents the request's JSON schema allows; undefined when it sent none (JSON mode). */
function allowedIntents(request: FakeChatRequest): readonly string[] | undefined {
  const schema = request.responseFormat?.json_schema?.schema as { properties?: { intent?: { enum?: unknown } } } | undefined;
  const values = schema?.properties?.intent?.enum;
  return Array.isArray(values) ? values.filter((value): value is string => typeof value === "string") : undefined;
}

export function createScriptedModel(options: ScriptedModelOptions): FakeModel {
  return async (request) => {
    const text = customerMessageOf(request);
    const read = await options.classify(text);
    const allowed = allowedIntents(request);
    const intent = allowed === undefined || allowed.includes(read.intent) ? read.intent : "none";
    const unsure = read.confidence < options.offerBelow;
    const topic = intent === "none" ? "something the sandbox model could not place" : intent.replace(/_/g, " ");
    return {
      json: {
        reply: `(sandbox model) This reads as ${topic}.`,
        intent,
        confidence: read.confidence,
        decision: unsure ? "offer" : "continue",
        reason: unsure ? "low_confidence" : null,
        language: "en",
        summary: {
          wants: `The customer wants help with ${topic}.`,
          tried: "The assistant answered from the sandbox model.",
          nextStep: "Read the customer's last message and answer it.",
        },
        entities: {
          orderNumber: read.entities.orderNumber ?? null,
          amount: read.entities.amount ?? null,
          currency: read.entities.currency ?? null,
        },
      },
    };
  };
}
