import { z } from "zod";

/**
 * What Warmline itself says to the customer, and the words the customer may type back: the English
 * `messages`, the control `keywords` per language, and per-language overrides of data/languages.
 * Part of configSchema (src/config/schema.ts).
 */

export const languageCode = z.string().regex(/^[a-z]{2,3}$/, 'use an ISO 639-1 code of a language in data/languages, e.g. "pt"');

export const keywordsSchema = z
  .record(
    z.string().describe("language tag"),
    z.strictObject({
      human: z.array(z.string()).min(1),
      bot: z.array(z.string()).min(1),
      cancel: z.array(z.string()).min(1),
      callback: z.array(z.string()).min(1),
      wait: z.array(z.string()).min(1),
    }),
  )
  .describe("Control words the customer can type at any time, per language");

export const messagesSchema = z
  .strictObject({
    greeting: z
      .string()
      .default("Hi! I'm the {business} assistant. Ask me anything, or type {human} at any time to reach a person.")
      .describe("Opens the first reply of every new conversation. Placeholders: {business} (business.name), {human}, {bot}, {callback}"),
    clarify: z.string().default("Sorry, I didn't quite catch that. Could you tell me a bit more about what you need?"),
    handoff: z
      .string()
      .default(
        "I'm bringing in a colleague from our {team} team. They'll see everything we've discussed, so you won't need to repeat yourself.",
      )
      .describe("Placeholders: {team}"),
    handoffOptional: z
      .string()
      .default(
        "I'm bringing in a colleague from our {team} team, who will see everything we've discussed. If you'd rather keep going with me, reply {bot}.",
      )
      .describe("Placeholders: {team}, {bot}"),
    queuePosition: z
      .string()
      .default(
        "You're number {position} in line; the wait is about {minutes} min. Reply {callback} for a call back, {bot} to continue with me, or just keep waiting.",
      )
      .describe("Still-waiting update on an optional escalation. Placeholders: {position}, {minutes}, {callback}, {bot}"),
    queuePositionMandatory: z
      .string()
      .default("You're number {position} in line; the wait is about {minutes} min. Reply {callback} for a call back, or just keep waiting.")
      .describe(
        "Still-waiting update on an escalation the customer cannot decline: don't offer {bot} here. Placeholders: {position}, {minutes}, {callback}",
      ),
    agentJoined: z
      .string()
      .default("{agent} from our {team} team has joined. They can see our conversation so far.")
      .describe("Placeholders: {agent}, {team}"),
    agentLeft: z
      .string()
      .default(
        "{agent} has had to step away, so I've put you back in line for the next person from our {team} team. They'll see everything so far.",
      )
      .describe("The agent released the conversation back to the queue. Placeholders: {agent}, {team}"),
    transferred: z
      .string()
      .default("I'm passing you to our {team} team, with everything you've told us so far.")
      .describe("Placeholders: {team}"),
    returnedToBot: z
      .string()
      .default("You're back with the assistant. Type {human} at any time to reach a person again.")
      .describe("Placeholders: {human}"),
    escalationCancelled: z
      .string()
      .default(
        "No problem, I've withdrawn your request for a person, and nothing else has changed. You're back with me: reply {human} whenever you'd like a person again.",
      )
      .describe(
        "CANCEL while waiting in line: the request for a person is withdrawn (not the order, if it was about one) and the assistant answers again. Placeholders: {human}",
      ),
    cannotDecline: z
      .string()
      .default(
        "A colleague from our {team} team needs to handle this, so I'll keep you in line. Reply {cancel} if you no longer need them.",
      )
      .describe(
        "BOT while waiting in line for an escalation the customer cannot decline (policy.mandatoryReasons). Placeholders: {team}, {cancel}",
      ),
    afterHours: z
      .string()
      .default("Our {team} team is away right now and opens {opens}. Your message is with them. Reply {callback} for a call back then.")
      .describe(
        'The team is closed and the customer is queued for it (also on a transfer to a closed team): the bot no longer answers, so don\'t say "keep chatting with me". Placeholders: {team}, {opens}, {callback}',
      ),
    afterHoursWithBot: z
      .string()
      .default(
        "Our {team} team is away right now and opens {opens}. Reply {callback} and they'll call you back then, or keep chatting with me meanwhile.",
      )
      .describe(
        "The team is closed and an optional escalation stays with the bot, which keeps answering. Placeholders: {team}, {opens}, {callback}",
      ),
    noAgents: z
      .string()
      .default(
        "I'd like to bring in someone from our {team} team, but nobody is free right now. Reply {callback} and they'll call you back, or keep chatting with me meanwhile.",
      )
      .describe("Nobody is free and an optional escalation stays with the bot, which keeps answering. Placeholders: {team}, {callback}"),
    noAgentsQueued: z
      .string()
      .default(
        "I've passed this to our {team} team with everything we've discussed, so you won't need to repeat yourself. Nobody is free right now, so it may take a while. Reply {callback} if you'd rather be called back.",
      )
      .describe(
        'Nobody is free and the customer is queued anyway (they asked for a person, or it is mandatory). Sent alone, instead of handoff: the bot no longer answers, so don\'t say "keep chatting with me". Placeholders: {team}, {callback}',
      ),
    stillQueued: z
      .string()
      .default(
        "Got it, I've added that for our {team} team, so they'll see it when they pick this up. Reply {callback} for a call back instead.",
      )
      .describe(
        "The customer wrote while waiting in line, nobody has claimed yet, and the team is open; sent at most once per policy.stillQueuedEveryMinutes. Placeholders: {team}, {callback}",
      ),
    stillQueuedAfterHours: z
      .string()
      .default(
        "Got it, I've added that for our {team} team, so they'll see it when they open {opens}. Reply {callback} for a call back then.",
      )
      .describe("As stillQueued, while the team is closed. Placeholders: {team}, {opens}, {callback}"),
    stillQueuedCallback: z
      .string()
      .default("Got it, I've added that for our {team} team, so they'll see it before they call you back.")
      .describe("As stillQueued, when the customer is waiting for a call back. Placeholders: {team}"),
    callbackBooked: z
      .string()
      .default(
        "Done: our {team} team will call you back on this number as soon as someone is free. They'll see everything we've discussed.",
      )
      .describe("CALLBACK while waiting for a person, with the team open (closed: callbackQueuedAfterHours). Placeholders: {team}"),
    callbackBookedByAgent: z
      .string()
      .default("Done: I've asked {agent} to call you back on this number.")
      .describe("CALLBACK while talking to a person. Placeholders: {agent}"),
    callbackQueued: z
      .string()
      .default("Done: I've asked our {team} team to call you back as soon as someone is free. They'll see everything we've discussed.")
      .describe("CALLBACK while with the bot: a call back request is queued for the team. Placeholders: {team}"),
    callbackQueuedAfterHours: z
      .string()
      .default("Done: our {team} team opens {opens} and will call you back then. They'll see everything we've discussed.")
      .describe("CALLBACK while with the bot, with the team closed: say when it opens. Placeholders: {team}, {opens}"),
    fallbackCase: z
      .string()
      .default(
        "I'm sorry: our team's system can't be reached right now, so I've opened case {case} for you with everything you've told us. Our {team} team will contact you by {by}.",
      )
      .describe(
        "Slack stayed unreachable past fallback.afterMinutes, so a case was opened by e-mail or webhook. Placeholders: {case} (the case number), {team}, {by} (when the team will contact them, from fallback.contactWithinMinutes)",
      ),
    survey: z.string().default("Thanks for chatting with us! How satisfied are you, from 1 (not at all) to 5 (very)?"),
    surveyHelped: z.string().default("And did being handed to a person help? Reply YES or NO."),
    surveyThanks: z.string().default("Thanks for the feedback!"),
  })
  .describe(
    "Every message the customer sees from Warmline itself (not the assistant's answers); each has a default, so a config lists only what it changes. Any message may name the control words in the customer's language: {human}, {bot}, {cancel}, {callback}, {wait}; and {business}",
  );

const controlWords = z.array(z.string().min(1)).min(1);
// Built from messagesSchema's keys (not .partial(), which would keep their English defaults).
const messageOverrides = z
  .strictObject(Object.fromEntries(Object.keys(messagesSchema.shape).map((key) => [key, z.string().min(1).optional()])))
  .describe("Any of the `messages` keys, with the same {placeholders}") as unknown as z.ZodType<
  Partial<Record<keyof z.infer<typeof messagesSchema>, string>>
>;

export const customerLanguagesSchema = z
  .record(
    languageCode,
    z.strictObject({
      messages: messageOverrides.optional(),
      messagesLatn: messageOverrides.optional().describe("For customers writing the language in Latin script (Hinglish)"),
      keywords: z
        .strictObject({ human: controlWords, bot: controlWords, cancel: controlWords, callback: controlWords, wait: controlWords })
        .partial()
        .optional()
        .describe("Replace the control words of data/languages/<code>/replies.json, per kind"),
      survey: z.strictObject({ yes: controlWords, no: controlWords }).partial().optional(),
    }),
  )
  .default({})
  .describe(
    "Per customer language: overrides of what data/languages/<code>/replies.json says to a customer writing in it (English comes from `messages`)",
  );
