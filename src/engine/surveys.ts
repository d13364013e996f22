import type { Conversation } from "../domain/conversation.js";
import type { InboundCustomerMessage } from "../ports/customer-channel.js";
import { DAY_MS, type EngineCore } from "./engine-core.js";

/** A survey waits this long for its answers; after that a "5" is an ordinary message, not a score. */
export const SURVEY_EXPIRES_AFTER_MS = DAY_MS;
/**
 * A final survey answer closes the conversation, so a redelivery cannot find it in an active
 * transcript; its message id is remembered this long instead (longer than the survey waits).
 */
const SURVEY_ANSWER_DEDUPE_TTL_MS = 7 * DAY_MS;
/** Only whole answers count: "no one told me…" is a message for the bot, not a "no" (yes and no: replies.json per language). */
const SURVEY_SCORE = /^[1-5]$/;

/** A score, or yes or no in English or any customer language. */
export function isSurveyAnswer(core: EngineCore, text: string): boolean {
  return SURVEY_SCORE.test(text.trim()) || core.languages.replies.surveyAnswer(text) !== undefined;
}

/** The key a final answer is remembered under, for dedupe after its conversation closed. */
export function surveyAnswerKey(inbound: InboundCustomerMessage): string {
  return `survey-answer:${inbound.address}:${inbound.messageId}`;
}

/**
 * For an exact survey answer only: the customer's most recently resolved conversation whose survey
 * still waits and is fresh (the customer may have started a new conversation since).
 */
export async function pendingSurveyFor(core: EngineCore, inbound: InboundCustomerMessage): Promise<Conversation | undefined> {
  if (!isSurveyAnswer(core, inbound.text)) return undefined;
  const now = core.clock.now();
  return (await core.store.listByCustomer(inbound.address))
    .filter((c) => c.state === "resolved" && c.survey?.status === "pending" && now - c.survey.sentAt <= SURVEY_EXPIRES_AFTER_MS)
    .sort((a, b) => b.survey!.sentAt - a.survey!.sentAt)[0];
}

/**
 * The survey takes exact answers only, while it is fresh: a score (1-5), then yes or no. Anything
 * else is an ordinary message (the caller starts a conversation with the bot). An answer goes in
 * the transcript with its message id, so a redelivery takes effect once.
 */
export async function answerSurvey(core: EngineCore, conversation: Conversation, inbound: InboundCustomerMessage): Promise<boolean> {
  const { clock, message, tell } = core;
  const survey = conversation.survey!;
  if (clock.now() - survey.sentAt > SURVEY_EXPIRES_AFTER_MS) return false;
  const trimmed = inbound.text.trim();
  const entry = core.newEntry("customer", inbound.text, { id: inbound.messageId, at: inbound.receivedAt });
  if (survey.score === undefined) {
    if (!SURVEY_SCORE.test(trimmed)) return false;
    const score = Number(trimmed);
    await core.mutate(conversation.id, (c, out) => {
      if (c.survey?.status !== "pending" || c.survey.score !== undefined || c.transcript.some((e) => e.id === entry.id)) return undefined;
      c.transcript.push(entry);
      c.survey.score = score;
      tell(c, out, message(c, "surveyHelped"));
      return c;
    });
    return true;
  }
  const answer = core.languages.replies.surveyAnswer(trimmed, core.replyLanguage(conversation)?.code);
  if (answer === undefined) return false;
  const helped = answer === "yes";
  await core.mutate(conversation.id, (c, out) => {
    if (c.survey?.status !== "pending" || c.transcript.some((e) => e.id === entry.id)) return undefined;
    c.transcript.push(entry);
    Object.assign(c.survey, { handoverHelped: helped, status: "answered", answeredAt: clock.now() });
    const escalation = c.escalations.findLast((e) => e.thread);
    if (escalation)
      out.add({
        kind: "thread_post",
        escalationId: escalation.id,
        post: { kind: "survey_result", score: survey.score, handoverHelped: helped },
      });
    tell(c, out, message(c, "surveyThanks"));
    out.audit("customer", "survey_answered", { score: survey.score!, handoverHelped: helped });
    return c;
  });
  // Recorded after the write: a crash in between lets a redelivery through once more, never loses the answer.
  await core.store.markSeen(surveyAnswerKey(inbound), SURVEY_ANSWER_DEDUPE_TTL_MS);
  return true;
}
