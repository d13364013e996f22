import { describe, expect, it } from "vitest";
import { detectSignals } from "../../routing/escalation-signals.js";
import type { SignalCategory } from "../../src/domain/escalation.js";
import { loadSignalLexicon } from "../../src/languages/signal-lexicons.js";
import { defaultConfig } from "./policy-driver.js";

/**
 * The shipped lexicons of the languages this project wrote first (en with Indian and Nigerian
 * English and Pidgin, es, pt, fr, de, it, nl): each category in each language, in messages written
 * for these tests, and the near misses that must stay quiet.
 */
const lexicon = loadSignalLexicon(defaultConfig().policy);
const categories = (text: string) => detectSignals(text, lexicon).map((match) => match.category);

const EXAMPLES: Record<string, Record<SignalCategory, readonly string[]>> = {
  en: {
    human_request: [
      "pls connect me with a human",
      "can i chat with an actual agent",
      "need a real person now",
      "whats ur customer care number",
      "give me the helpline no",
      "can the CS team call me back",
      "kindly arrange a call back from the executive",
      "share whatsapp number of support",
      "abeg connect me to una customer care",
      "make i talk to person abeg",
    ],
    cancellation: [
      "cancel my order pls",
      "i wanna cancle the subscription",
      "plz terminate my membership plan",
      "abeg cancel this order",
      "order cancellation needed asap",
    ],
    complaint: [
      "worst service i have ever seen",
      "pathetic",
      "i want to raise a complaint",
      "very disappointed with the delivery",
      "totally fed up with you people",
    ],
    insult: ["you guys are useless", "u r idiots", "stupid bot"],
    fraud: ["fraud app", "u r cheaters", "this is a scam", "you people looted my money", "the contests are rigged"],
    legal: ["i will send you a legal notice", "see you in consumer court", "my lawyer will contact you", "filing an FIR"],
    money_not_credited: [
      "money deducted but not credited to wallet",
      "amount debited from my bank but order failed",
      "my balance is wrong",
      "i did not receive my winnings",
      "payment failed and money got deducted",
    ],
    charged_twice: ["charged twice for one order", "amount debited two times", "double deduction on my card"],
  },
  es: {
    human_request: ["quiero hablar con un asesor", "pasame con una persona real", "necesito atención al cliente"],
    cancellation: ["quiero cancelar mi pedido", "darme de baja del plan", "anulen la suscripción"],
    complaint: ["pésimo servicio", "quiero poner una queja", "estoy harto de esperar"],
    insult: ["son unos inútiles", "bot estúpido"],
    fraud: ["esto es una estafa", "me robaron el dinero, ladrones"],
    legal: ["voy a llamar a mi abogado", "los voy a demandar"],
    money_not_credited: ["me cobraron y no llegó el pedido", "me descontaron pero no se acreditó"],
    charged_twice: ["me cobraron dos veces", "hay un cobro duplicado"],
  },
  pt: {
    human_request: ["quero falar com um atendente", "me liga por favor", "preciso de atendimento humano"],
    cancellation: ["quero cancelar meu pedido", "cancela a assinatura", "desisti da compra"],
    complaint: ["péssimo atendimento", "quero fazer uma reclamação", "estou revoltado"],
    insult: ["vocês são uns inúteis", "bando de palhaços"],
    fraud: ["isso é golpe", "me roubaram"],
    legal: ["vou no procon", "vou processar vocês"],
    money_not_credited: ["o pix não caiu", "foi debitado e não chegou nada"],
    charged_twice: ["fui cobrado duas vezes", "cobrança duplicada no cartão"],
  },
  fr: {
    human_request: ["je veux parler à un conseiller", "rappelez-moi svp", "passez-moi le service client"],
    cancellation: ["je veux annuler ma commande", "résilier mon abonnement", "me désabonner"],
    complaint: ["service nul", "je veux faire une réclamation", "j'en ai marre"],
    insult: ["bande de nuls", "vous êtes des abrutis"],
    fraud: ["c'est une arnaque", "escrocs"],
    legal: ["je vais porter plainte", "mon avocat vous contactera"],
    money_not_credited: ["argent débité mais commande pas validée", "montant débité et jamais crédité"],
    charged_twice: ["débité deux fois", "double prélèvement sur mon compte"],
  },
  de: {
    human_request: ["ich möchte mit einem Mitarbeiter sprechen", "bitte Rückruf", "wo ist der Kundenservice"],
    cancellation: ["ich will mein Abo kündigen", "Bestellung stornieren bitte", "Vertrag beenden"],
    complaint: ["ich habe eine Beschwerde", "Frechheit", "mieser Service"],
    insult: ["ihr Idioten", "nutzloser bot"],
    fraud: ["das ist Betrug", "Abzocke"],
    legal: ["ich gehe zum Anwalt", "ich werde Sie verklagen"],
    money_not_credited: ["Geld abgebucht aber nicht gutgeschrieben", "wo ist mein Geld"],
    charged_twice: ["doppelt abgebucht", "zweimal belastet"],
  },
  it: {
    human_request: ["voglio parlare con un operatore", "mi richiamate?", "numero del servizio clienti"],
    cancellation: ["voglio annullare l'ordine", "disdire l'abbonamento", "cancellare il mio account"],
    complaint: ["servizio pessimo", "voglio fare un reclamo", "che schifo"],
    insult: ["siete degli incompetenti", "bot stupido"],
    fraud: ["è una truffa", "ladri"],
    legal: ["chiamo il mio avvocato", "vi denuncio"],
    money_not_credited: ["soldi scalati ma ordine non confermato", "non è stato accreditato"],
    charged_twice: ["addebitato due volte", "doppio addebito"],
  },
  nl: {
    human_request: ["ik wil een medewerker spreken", "bel me terug", "kan ik de klantenservice bellen"],
    cancellation: ["ik wil mijn abonnement opzeggen", "bestelling annuleren", "account verwijderen"],
    complaint: ["ik heb een klacht", "slechtste service ooit", "ik ben het zat"],
    insult: ["stelletje idioten", "nutteloze bot"],
    fraud: ["dit is oplichting", "oplichters"],
    legal: ["ik schakel een advocaat in", "ik doe aangifte"],
    money_not_credited: ["geld afgeschreven maar niet bijgeschreven", "waar is mijn geld"],
    charged_twice: ["dubbel afgeschreven", "twee keer betaald"],
  },
};

describe.each(Object.entries(EXAMPLES))("signals in %s", (_language, byCategory) => {
  const cases = Object.entries(byCategory).flatMap(([category, texts]) => texts.map((text) => [category, text] as const));
  it.each(cases)("%s: %s", (category, text) => {
    expect(categories(text)).toContain(category);
  });
});

describe("precision: a request for a person names a person, a team or a way to reach it", () => {
  const quiet = [
    "I want to know about the offers",
    "I need a bigger size",
    "help me choose a mattress",
    "custom size possible?",
    "do you sell costumes",
    "can I customise the colour",
    "my customer id is 4411",
    "call of duty gift card available?",
    "the delivery person left it outside",
    "I need assistance with my invoice",
    "how can I become an agent",
    "update my phone number",
    "I don't need a human, just tell me the price",
    "is the product original or fake",
    "which protein is best for muscle gain",
    "how do I pay with EMI",
    "is cash on delivery acceptable",
    "what is the cancellation fee",
    "I was looking at the premium plan",
    "creating an account is not working",
  ];
  it.each(quiet)("no human_request in: %s", (text) => {
    expect(categories(text)).not.toContain("human_request");
  });
  it.each(quiet)("nothing at all in: %s", (text) => {
    expect(categories(text)).toEqual([]);
  });
});
