import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchControlKeywordWithLanguage } from "../../routing/customer-keywords.js";
import { configSchema, messagesSchema } from "../../src/config/schema.js";
import { loadCustomerReplies } from "../../src/languages/customer-replies.js";
import { loadLanguageCatalog } from "../../src/languages/language-catalog.js";

const ENGLISH = messagesSchema.parse({});
/** Every message, tagged so a test can tell which file it came from; the placeholders stay the English ones. */
const tagged = (tag: string) => Object.fromEntries(Object.entries(ENGLISH).map(([key, text]) => [key, `[${tag}] ${text}`]));

const baseConfig = (languages: unknown = {}) =>
  configSchema.parse({
    business: { name: "Acme" },
    teams: {},
    routing: { defaultTeam: "support" },
    keywords: { en: { human: ["HUMAN"], bot: ["BOT"], cancel: ["CANCEL"], callback: ["CALLBACK"], wait: ["WAIT"] } },
    languages,
  });

function languagesDir(files: Record<string, { scripts: string[]; replies?: unknown }>): string {
  const dir = mkdtempSync(join(tmpdir(), "warmline-replies-"));
  for (const [code, { scripts, replies }] of Object.entries(files)) {
    mkdirSync(join(dir, code));
    writeFileSync(join(dir, code, "language.json"), JSON.stringify({ code, name: code, nativeName: code, scripts }));
    if (replies !== undefined) writeFileSync(join(dir, code, "replies.json"), JSON.stringify(replies));
  }
  return dir;
}

const spanish = {
  messages: tagged("es"),
  keywords: { human: ["HUMANO"], bot: ["BOT"], cancel: ["CANCELAR"], callback: ["LLAMADA"], wait: ["ESPERA"] },
  survey: { yes: ["sí", "si"], no: ["no"] },
};
const portuguese = {
  messages: tagged("pt"),
  keywords: {
    human: ["HUMANO", "ATENDENTE"],
    bot: ["ROBÔ"],
    cancel: ["CANCELAR", "PARE", "ESPERA"],
    callback: ["LIGAÇÃO"],
    wait: ["AGUARDAR"],
  },
  survey: { yes: ["sim"], no: ["não", "si"] },
};
const hindi = {
  messages: tagged("hi"),
  messagesLatn: tagged("hi-Latn"),
  keywords: spanish.keywords,
  survey: { yes: ["haan"], no: ["nahi"] },
};

function load(languages: unknown = {}) {
  const dir = languagesDir({
    en: { scripts: ["Latn"] },
    es: { scripts: ["Latn"], replies: spanish },
    pt: { scripts: ["Latn"], replies: portuguese },
    hi: { scripts: ["Deva", "Latn"], replies: hindi },
    tl: { scripts: ["Latn"] },
  });
  return loadCustomerReplies({ config: baseConfig(languages), dir, catalog: loadLanguageCatalog(dir) });
}

describe("customer replies", () => {
  it("answers in the conversation's language, English from the config when it has none or is unknown", () => {
    const replies = load();
    expect(replies.languages).toEqual(["es", "hi", "pt"]);
    expect(replies.template("handoff", { code: "es" })).toBe(`[es] ${ENGLISH.handoff}`);
    expect(replies.template("handoff", { code: "tl" })).toBe(ENGLISH.handoff);
    expect(replies.template("handoff")).toBe(ENGLISH.handoff);
  });

  it("uses the romanized messages for a customer writing the language in Latin script", () => {
    const replies = load();
    expect(replies.template("survey", { code: "hi", script: "Latn" })).toBe(`[hi-Latn] ${ENGLISH.survey}`);
    expect(replies.template("survey", { code: "hi", script: "Deva" })).toBe(`[hi] ${ENGLISH.survey}`);
  });

  it("lets the config override a message per language", () => {
    const replies = load({ es: { messages: { surveyThanks: "¡Gracias, de verdad!" } } });
    expect(replies.template("surveyThanks", { code: "es" })).toBe("¡Gracias, de verdad!");
    expect(replies.template("survey", { code: "es" })).toBe(`[es] ${ENGLISH.survey}`);
  });

  it("rejects a replies.json missing a message, naming the file and the key", () => {
    const { handoff: _missing, ...rest } = tagged("es");
    const dir = languagesDir({ es: { scripts: ["Latn"], replies: { ...spanish, messages: rest } } });
    expect(() => loadCustomerReplies({ config: baseConfig(), dir })).toThrow(/es[/\\]replies\.json is invalid[\s\S]*handoff/);
  });

  it("rejects a message whose placeholders differ from the English one, and says which to use", () => {
    const dir = languagesDir({
      es: { scripts: ["Latn"], replies: { ...spanish, messages: { ...tagged("es"), handoff: "Te paso con {equipo}." } } },
    });
    expect(() => loadCustomerReplies({ config: baseConfig(), dir })).toThrow(
      /messages\.handoff uses placeholders \{equipo\}; the English message uses \{team\}/,
    );
    expect(() => load({ es: { messages: { agentJoined: "{agent} se unió" } } })).toThrow(/languages\.es\.messages\.agentJoined/);
  });

  it("understands every language's control words while the language is unknown, and the config's always", () => {
    const replies = load();
    expect(matchControlKeywordWithLanguage("humano", replies.keywordsFor())).toMatchObject({ kind: "human" });
    expect(matchControlKeywordWithLanguage("Atendente!", replies.keywordsFor())).toMatchObject({ kind: "human", language: "pt" });
    expect(matchControlKeywordWithLanguage("HUMAN", replies.keywordsFor("es"))).toMatchObject({ kind: "human", language: "en" });
    expect(replies.keyword("cancel", "es")).toBe("CANCELAR");
    expect(replies.keyword("cancel", "tl")).toBe("CANCEL");
  });

  it("reads a word two languages use differently as the conversation's language does", () => {
    const replies = load();
    // ESPERA is wait in Spanish and (in this test) cancel in Portuguese; PARE is an ordinary word in Tagalog.
    expect(matchControlKeywordWithLanguage("espera", replies.keywordsFor("pt"))?.kind).toBe("cancel");
    expect(matchControlKeywordWithLanguage("espera", replies.keywordsFor("es"))?.kind).toBe("wait");
    expect(matchControlKeywordWithLanguage("pare", replies.keywordsFor("pt"))?.kind).toBe("cancel");
    expect(matchControlKeywordWithLanguage("pare", replies.keywordsFor("tl"))).toBeUndefined();
  });

  it("takes survey answers in English and the customer's language, and none a language would read the other way", () => {
    const replies = load();
    expect(replies.surveyAnswer("Sí", "es")).toBe("yes");
    expect(replies.surveyAnswer("não")).toBe("no");
    expect(replies.surveyAnswer("yes", "pt")).toBe("yes");
    // "si" is yes in Spanish and (in this test) no in Portuguese.
    expect(replies.surveyAnswer("si", "pt")).toBe("no");
    expect(replies.surveyAnswer("si")).toBeUndefined();
    expect(replies.surveyAnswer("maybe")).toBeUndefined();
  });
});
