/**
 * Writes data/corpus.csv: the default assistant's training examples, produced from templates
 * written for Warmline (frames x phrases x slot values, plus a little colloquial noise and typos).
 * The CSV is what ships; this script only exists so the corpus can be regenerated or extended.
 *
 *   npx tsx scripts/generate-corpus.ts [--out data/corpus.csv] [--per-intent 110]
 *
 * Any generated sentence that happens to equal a line of the Bitext evaluation file is dropped,
 * so evaluation on that file stays honest.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BITEXT_DEV = resolve(ROOT, "../shared/data/bitext/dev.csv");

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const OUT = resolve(ROOT, argValue("--out") ?? "data/corpus.csv");
const PER_INTENT = Number(argValue("--per-intent") ?? 110);
const SMALL_INTENT = 70;
const TYPO_RATE = 0.12;
const SLANG_RATE = 0.25;
const PROFANITY_RATE = 0.04;

// Deterministic PRNG (mulberry32) so the corpus is reproducible.
let seed = 20240611;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const digits = (min: number, max: number) => {
  const n = min + Math.floor(random() * (max - min + 1));
  let s = String(1 + Math.floor(random() * 9));
  while (s.length < n) s += String(Math.floor(random() * 10));
  return random() < 0.15 ? `000${s.slice(3)}` : s;
};

// ---- slot values -------------------------------------------------------------------------
const ACCOUNT_TYPES = [
  "free",
  "freemium",
  "standard",
  "premium",
  "pro",
  "gold",
  "platinum",
  "basic",
  "business",
  "family",
  "student",
  "silver",
  "plus",
  "vip",
];
const RELATIVES = [
  "wife",
  "husband",
  "son",
  "daughter",
  "mum",
  "dad",
  "partner",
  "friend",
  "colleague",
  "brother",
  "sister",
  "kid",
  "girlfriend",
  "boyfriend",
  "grandma",
];
const PEOPLE = [
  "Mr. Brown",
  "Ms. Garcia",
  "Mrs. Okafor",
  "Laura Kim",
  "James Lee",
  "Dr. Novak",
  "Peter Hall",
  "Ana Silva",
  "Mr. Dubois",
  "Ms. Tanaka",
  "John Carter",
  "Priya Shah",
];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const PLACES = [
  "Berlin",
  "Brazil",
  "Chicago",
  "Australia",
  "Lisbon",
  "Kenya",
  "Oslo",
  "Texas",
  "Paris",
  "Sweden",
  "India",
  "Boston",
  "Madrid",
  "Ireland",
  "Tokyo",
  "Glasgow",
  "Poland",
  "Miami",
  "New Zealand",
  "Rome",
  "Singapore",
  "Norway",
  "Cape Town",
  "Vancouver",
  "Belgium",
  "Denver",
  "Austria",
  "Lagos",
  "Athens",
  "Scotland",
  "Portugal",
  "Hawaii",
  "the UK",
  "the US",
  "Europe",
  "abroad",
];
const ITEMS = [
  "item",
  "article",
  "product",
  "jacket",
  "pair of shoes",
  "phone case",
  "lamp",
  "headphones",
  "dress",
  "t-shirt",
  "book",
  "watch",
];
const ITEM_GROUPS = [
  "a product",
  "some items",
  "a few of your products",
  "several articles",
  "an item",
  "something",
  "one of your products",
  "some stuff",
  "a gift card",
  "a couple of things",
  "new shoes",
  "a laptop",
];
const PAYMENT_MEANS = [
  "paypal",
  "apple pay",
  "google pay",
  "credit card",
  "debit card",
  "bank transfer",
  "cash on delivery",
  "amex",
  "visa",
  "mastercard",
  "klarna",
  "bitcoin",
  "a gift card",
  "cash",
];
const PACKAGES = ["package", "parcel", "order", "item", "product", "purchase", "shipment", "delivery", "article", "stuff"];

const money = () => {
  const n = pick(["12", "35", "49.99", "80", "120", "250", "9.50", "1500", "60", "300", "18", "75"]);
  return pick([`$${n}`, `${n} dollars`, `€${n}`, `${n} euros`, `£${n}`, `USD ${n}`, `${n} bucks`, `$${n}`]);
};
const orderRef = () =>
  pick([
    `order ${digits(6, 12)}`,
    `purchase ${digits(6, 12)}`,
    `order #${digits(6, 10)}`,
    `order number ${digits(6, 12)}`,
    `my order`,
    `the order`,
    `my purchase`,
    `my last order`,
    `order ${digits(6, 12)}`,
    `the purchase ${digits(6, 12)}`,
    `my order ${digits(6, 12)}`,
    `this order`,
  ]);
const invoiceRef = () =>
  pick([
    `invoice #${digits(5, 5)}`,
    `bill #${digits(5, 5)}`,
    `my invoice`,
    `my bill`,
    `the invoice from ${pick(PEOPLE)}`,
    `the bill from ${pick(PEOPLE)}`,
    `my invoices from ${pick(MONTHS)}`,
    `my bills from last month`,
    `the invoice for order ${digits(6, 10)}`,
    `invoice #${digits(5, 5)}`,
    `my latest invoice`,
    `the bills from ${pick(PEOPLE)}`,
    `invoice ${digits(5, 7)}`,
    `my receipt`,
  ]);
const account = () =>
  pick([
    `my ${pick(ACCOUNT_TYPES)} account`,
    `the ${pick(ACCOUNT_TYPES)} account`,
    `a ${pick(ACCOUNT_TYPES)} account`,
    `my account`,
    `my ${pick(ACCOUNT_TYPES)} profile`,
    `${pick(ACCOUNT_TYPES)} account`,
    `my user account`,
    `my profile`,
  ]);
const newAccount = () =>
  pick([
    `an account`,
    `a new account`,
    `a ${pick(ACCOUNT_TYPES)} account`,
    `a new ${pick(ACCOUNT_TYPES)} account`,
    `an account for my ${pick(RELATIVES)}`,
    `a ${pick(ACCOUNT_TYPES)} account for my ${pick(RELATIVES)}`,
    `another ${pick(ACCOUNT_TYPES)} account`,
    `a user account`,
  ]);
const otherAccount = () =>
  pick([
    `the ${pick(ACCOUNT_TYPES)} account`,
    `a ${pick(ACCOUNT_TYPES)} account`,
    `my ${pick(ACCOUNT_TYPES)} profile`,
    `another account`,
    `a different profile`,
    `the ${pick(ACCOUNT_TYPES)} plan`,
    `my other account`,
    `${pick(ACCOUNT_TYPES)}`,
  ]);

const REFUND_WORDS = ["refund", "reimbursement", "rebate", "compensation", "restitution", "refund", "refund"];
const ACCOUNT_DATA = [
  "info",
  "information",
  "data",
  "details",
  "personal details",
  "personal data",
  "the email",
  "my name",
  "contact details",
];

const SLOTS: Record<string, () => string> = {
  REFUND: () => pick(REFUND_WORDS),
  SOME: () => pick(["an item", "some items", "several products", "a product", "an article", "something", "a few articles", "one item"]),
  CLAIM: () => pick(["complaint", "claim", "customer claim", "consumer claim", "reclamation", "consumer complaint", "formal complaint"]),
  PAIDFOR: () => pick(["this order", "this item", "an article", "these items", "{ORD}", "a product", "this purchase"]),
  INFO: () => pick(ACCOUNT_DATA),
  ORD: orderRef,
  INV: invoiceRef,
  ACCT: account,
  NEWACCT: newAccount,
  SWACCT: otherAccount,
  TYPE: () => pick(ACCOUNT_TYPES),
  REL: () => pick(RELATIVES),
  PLACE: () => pick(PLACES),
  ITEM: () => pick(ITEMS),
  ITEMS: () => pick(ITEM_GROUPS),
  AMT: money,
  PAYM: () => pick(PAYMENT_MEANS),
  PKG: () => pick(PACKAGES),
  MONTH: () => pick(MONTHS),
};
const fill = (template: string): string => template.replace(/\{([A-Z]+)\}/g, (_, slot: string) => fill(SLOTS[slot]!()));

// ---- frames ------------------------------------------------------------------------------
const INF_FRAMES = [
  "I want to {v}",
  "I would like to {v}",
  "I'd like to {v}",
  "I need to {v}",
  "I have to {v}",
  "I've got to {v}",
  "I must {v}",
  "I'm trying to {v}",
  "I am trying to {v}",
  "can you help me {v}",
  "can you help me to {v}",
  "could you help me {v}",
  "could you please help me {v}",
  "help me {v}",
  "help me to {v}",
  "please help me {v}",
  "I need help to {v}",
  "I want help to {v}",
  "I need assistance to {v}",
  "I'd like assistance to {v}",
  "need help to {v}",
  "how do I {v}",
  "how can I {v}",
  "how could I {v}",
  "how to {v}",
  "how do I {v} please",
  "where can I {v}",
  "where do I {v}",
  "what do I need to do to {v}",
  "what do I have to do to {v}",
  "what's the way to {v}",
  "I don't know how to {v}",
  "I do not know how to {v}",
  "I don't know what to do to {v}",
  "no idea how to {v}",
  "is it possible to {v}",
  "can I {v}",
  "could I {v}",
  "may I {v}",
  "would it be possible to {v}",
  "I wanna {v}",
  "wanna {v}",
  "gotta {v}",
  "need to {v}",
  "want to {v}",
  "{v}",
  "{v} please",
  "pls {v}",
  "I'd like some help to {v}",
  "tell me how to {v}",
  "show me how to {v}",
  "explain how I can {v}",
  "I need a hand to {v}",
  "any way to {v}?",
  "I'm looking to {v}",
  "hi, I want to {v}",
  "hello, I need to {v}",
  "hey can you help me {v}",
  "I was wondering how to {v}",
  "I'd appreciate it if you could help me {v}",
  "I want to {v}, can you help?",
  "I need to {v}, what should I do?",
  "please {v}",
  "is there a way to {v}?",
  "quick question, how do I {v}?",
];
const ING_FRAMES = [
  "help {g}",
  "help with {g}",
  "I need help {g}",
  "I want help {g}",
  "I need assistance {g}",
  "assistance {g}",
  "I have a problem {g}",
  "I'm having trouble {g}",
  "problems {g}",
  "I need support {g}",
  "{g}",
  "question about {g}",
  "I have a question about {g}",
  "can you assist with {g}?",
  "I'd appreciate help {g}",
  "having issues {g}",
  "any help {g}?",
  "I need some guidance {g}",
  "support {g}",
  "can you help me with {g}?",
  "need a hand {g}",
];
const NOUN_FRAMES = [
  "{n}",
  "question about {n}",
  "info about {n}",
  "information on {n}",
  "I have a question about {n}",
  "tell me about {n}",
  "help with {n}",
  "I need information about {n}",
  "{n}?",
  "{n} please",
  "I'd like to know about {n}",
  "can you tell me about {n}?",
];

const ING_EXCEPTIONS: Record<string, string> = {
  get: "getting",
  set: "setting",
  put: "putting",
  stop: "stopping",
  shop: "shopping",
  swap: "swapping",
  chat: "chatting",
  cancel: "cancelling",
  be: "being",
  see: "seeing",
  submit: "submitting",
  plan: "planning",
  drop: "dropping",
  scrap: "scrapping",
  log: "logging",
  sign: "signing",
  opt: "opting",
  rate: "rating",
  ship: "shipping",
};
function ingForm(phrase: string): string {
  const [verb, ...rest] = phrase.split(" ");
  const v = verb!;
  let ing = ING_EXCEPTIONS[v];
  if (v === "cancel" && random() < 0.5) ing = "canceling";
  if (!ing) {
    if (v.endsWith("ie")) ing = `${v.slice(0, -2)}ying`;
    else if (v.endsWith("e") && !v.endsWith("ee")) ing = `${v.slice(0, -1)}ing`;
    else ing = `${v}ing`;
  }
  return [ing, ...rest].join(" ");
}

interface IntentSpec {
  /** Infinitive verb phrases: used in "I want to {v}" and, as gerunds, in "help {g}". */
  v?: string[];
  /** Noun phrases. */
  n?: string[];
  /** Whole sentences. */
  s?: string[];
  /** Context clauses put before a request ("I can't afford it, cancel order 123"). */
  pre?: string[];
  count?: number;
}

const INTENTS: Record<string, IntentSpec> = {
  cancel_order: {
    v: [
      "cancel {ORD}",
      "cancel an order I made",
      "cancel my last purchase",
      "cancel the {ITEM} I ordered",
      "cancel {ORD}",
      "call off {ORD}",
      "stop {ORD}",
      "get {ORD} cancelled",
      "cancel {ORD} before it ships",
      "cancel a purchase",
      "cancel the order I placed yesterday",
      "undo {ORD}",
      "cancel {ORD} and not receive it",
    ],
    n: [
      "order cancellation",
      "cancellation of {ORD}",
      "cancelling {ORD}",
      "purchase cancellation",
      "canceling an order",
      "a cancelled order",
    ],
    pre: [
      "I can't afford {ORD} anymore",
      "I no longer want {ORD}",
      "I changed my mind about {ORD}",
      "I ordered the wrong thing",
      "I don't need the {ITEM} anymore",
      "I bought something by mistake",
      "I can no longer pay for {ORD}",
      "I ordered twice by accident",
      "I found it cheaper elsewhere",
    ],
    s: [
      "I don't want {ORD} anymore",
      "please cancel it",
      "cancel {ORD} now",
      "I changed my mind, cancel {ORD}",
      "I ordered by mistake, please cancel",
      "I no longer want this order",
      "don't ship {ORD}",
      "I want to cancel",
      "cancel please",
      "can you cancel {ORD} for me?",
      "I want to cancel what I bought",
      "is it too late to cancel {ORD}?",
      "cancel the whole order",
      "I can no longer afford {ORD}",
      "I can't pay for {ORD} anymore, cancel it",
      "I don't want the {ITEM} from {ORD} anymore",
    ],
  },
  change_order: {
    v: [
      "change {ORD}",
      "modify {ORD}",
      "edit {ORD}",
      "update {ORD}",
      "correct {ORD}",
      "add an {ITEM} to {ORD}",
      "add something to {ORD}",
      "remove an {ITEM} from {ORD}",
      "delete some items from {ORD}",
      "swap an {ITEM} in {ORD}",
      "switch a product in {ORD}",
      "replace an {ITEM} in {ORD}",
      "change the size in {ORD}",
      "change the quantity in {ORD}",
      "change the colour of an item in {ORD}",
      "take an {ITEM} out of {ORD}",
      "add more products to {ORD}",
      "exchange an article in {ORD}",
      "swap {SOME} of {ORD}",
      "switch {SOME} in {ORD}",
      "remove {SOME} from {ORD}",
      "add {SOME} to {ORD}",
      "delete {SOME} from {ORD}",
      "replace {SOME} in {ORD}",
      "exchange {SOME} of {ORD}",
    ],
    n: [
      "changes to {ORD}",
      "modification of {ORD}",
      "order modification",
      "an order change",
      "editing {ORD}",
      "updating the items in {ORD}",
    ],
    pre: ["I made a mistake in {ORD}", "I forgot to add something", "I picked the wrong size", "I chose the wrong colour"],
    s: [
      "I ordered the wrong size, can I change it?",
      "can I add one more item to my order?",
      "I need to take an item out of {ORD}",
      "wrong colour in my order, can I switch it",
      "I'd like to update the items in my order",
      "can I still modify {ORD}?",
      "I want a different size of the {ITEM} in {ORD}",
    ],
  },
  change_shipping_address: {
    v: [
      "change my shipping address",
      "change the delivery address",
      "update my shipping address",
      "modify the address for delivery",
      "edit my delivery address",
      "correct my shipping address",
      "fix my delivery address",
      "change the address {ORD} ships to",
      "change where my parcel is delivered",
      "update my address",
      "change my address",
      "modify my shipping address",
      "update the delivery address of {ORD}",
      "amend my shipping address",
    ],
    n: [
      "shipping address change",
      "delivery address update",
      "address modification",
      "change of address",
      "a wrong delivery address",
      "changing the shipping address",
    ],
    pre: [
      "I moved house",
      "I entered the wrong address",
      "I made a typo in my address",
      "I typed the wrong delivery address by mistake",
      "I've moved",
    ],
    s: [
      "I moved, how do I update my address?",
      "my shipping address is wrong",
      "I put in the wrong address",
      "can you send my order to a different address instead?",
      "the delivery address on my profile is out of date",
      "I gave you the wrong address",
      "the address on {ORD} is wrong",
    ],
  },
  set_up_shipping_address: {
    v: [
      "set up a shipping address",
      "set my delivery address up",
      "add a new shipping address",
      "add another delivery address",
      "submit a new shipping address",
      "enter a secondary shipping address",
      "register a shipping address",
      "save a new delivery address",
      "create a shipping address",
      "set a second delivery address",
      "set up a different address for shipping",
      "add a shipping address",
      "set up my first delivery address",
    ],
    n: [
      "a new shipping address",
      "a secondary delivery address",
      "shipping address setup",
      "setting up an address",
      "an extra shipping address",
    ],
    s: [
      "my new shipping address isn't valid",
      "the system says my shipping address is invalid",
      "it won't let me save my delivery address",
      "error when I add a shipping address",
      "why can't I enter a second address",
      "invalid delivery address error",
      "my second shipping address keeps getting rejected",
      "the shipping address I submitted is not accepted",
    ],
  },
  check_cancellation_fee: {
    v: [
      "check the cancellation fee",
      "see the early termination fee",
      "find out the cancellation charges",
      "know how much it costs to cancel",
      "check the exit penalty",
      "see the withdrawal fee",
      "check the termination penalties",
      "look at the early exit fees",
      "learn about the cancellation penalty",
      "know if there is a fee for cancelling",
      "see what the early cancellation costs",
      "check the penalty for ending my contract",
    ],
    n: [
      "cancellation fee",
      "early termination fee",
      "early exit penalty",
      "termination charges",
      "withdrawal penalties",
      "fees for cancelling",
      "cost of cancelling my contract",
      "cancellation charges",
    ],
    s: [
      "is there a fee to cancel?",
      "how much is the cancellation fee",
      "do you charge for cancelling",
      "will I pay a penalty if I cancel early",
      "what does it cost to end my contract early",
      "is there a penalty for cancelling my plan",
      "are there any early termination charges",
      "how much will I be charged if I cancel",
      "what are the exit fees",
    ],
  },
  check_invoice: {
    v: [
      "check {INV}",
      "see {INV}",
      "find {INV}",
      "look at {INV}",
      "view {INV}",
      "locate {INV}",
      "take a look at {INV}",
      "have a look at {INV}",
      "look up {INV}",
      "look for {INV}",
      "open {INV}",
      "check the amount on {INV}",
      "see the details of {INV}",
      "view my billing history",
    ],
    n: [
      "an invoice check",
      "{INV}",
      "my invoices",
      "the bill from {MONTH}",
      "invoice details",
      "my billing history",
      "the charges on my bill",
    ],
    s: [
      "where are my invoices?",
      "where can I view my bills",
      "show me {INV}",
      "what's on {INV}?",
      "I can't find {INV}",
      "can you check {INV} for me",
      "what was I billed in {MONTH}?",
    ],
  },
  get_invoice: {
    v: [
      "get {INV}",
      "download {INV}",
      "receive a copy of {INV}",
      "request {INV}",
      "obtain {INV}",
      "print {INV}",
      "get a copy of {INV}",
      "have {INV} sent to me",
      "get {INV} by email",
      "download a pdf of {INV}",
      "get an invoice for {ORD}",
      "receive {INV}",
    ],
    n: ["invoice download", "a copy of {INV}", "a pdf of {INV}", "a receipt for {ORD}", "an invoice for {ORD}"],
    s: [
      "send me {INV}",
      "email me {INV}",
      "mail me {INV}",
      "I need {INV} for my taxes",
      "can I have a copy of {INV}",
      "I need a receipt for {ORD}",
      "can you send the invoice again",
    ],
  },
  check_payment_methods: {
    v: [
      "check the payment methods",
      "see which payment options you accept",
      "know the available payment methods",
      "list the accepted payment options",
      "find out how I can pay",
      "see what payment modalities are allowed",
      "check if you accept {PAYM}",
      "pay with {PAYM}",
      "pay by {PAYM}",
      "see the ways to pay",
      "check the payment options",
      "know what payment methods are available",
    ],
    n: [
      "payment methods",
      "payment options",
      "accepted payment methods",
      "ways to pay",
      "available payment modalities",
      "paying with {PAYM}",
    ],
    s: [
      "do you accept {PAYM}?",
      "can I pay by {PAYM}",
      "what payment methods do you take",
      "which cards do you accept",
      "is {PAYM} accepted",
      "how can I pay",
      "can I pay in instalments?",
      "do you take {PAYM}",
      "what are the payment options",
      "can I use {PAYM} to pay",
    ],
  },
  check_refund_policy: {
    v: [
      "check your refund policy",
      "see the refund policy",
      "know in which cases I can get a refund",
      "see in what situations I can request a refund",
      "understand the money back guarantee",
      "find out if I can be reimbursed",
      "check how long refunds take",
      "check when I am entitled to a refund",
      "read the refund policy",
      "know the conditions for a refund",
      "see when I can ask for my money back",
      "check the reimbursement policy",
    ],
    n: [
      "refund policy",
      "money back guarantee",
      "reimbursement policy",
      "refund rules",
      "returns and refunds policy",
      "refund conditions",
      "the refund window",
    ],
    s: [
      "in which cases can I ask for a refund?",
      "under what circumstances do you refund?",
      "what is your refund policy",
      "how long do refunds usually take",
      "am I entitled to my money back?",
      "do you offer a money back guarantee",
      "can I get a refund on sale items?",
      "how many days do I have to ask for a refund",
      "what's the refund window",
      "when am I eligible for a refund?",
      "what situations qualify for a reimbursement",
      "how many days after delivery can I ask for a refund?",
      "how long do I have to return an item for a refund",
      "until when can I send something back for a refund",
      "is there a time limit for refunds?",
      "can I still get a refund after {MONTH}?",
    ],
  },
  complaint: {
    v: [
      "file a complaint",
      "make a complaint",
      "lodge a complaint against your company",
      "submit a formal complaint",
      "make a claim against your business",
      "file a consumer claim",
      "raise a complaint",
      "complain about your service",
      "report a bad experience",
      "lodge a consumer reclamation",
      "open a complaint",
      "escalate a complaint",
      "complain",
      "lodge a {CLAIM}",
      "file a {CLAIM}",
      "make a {CLAIM} against your company",
      "submit a {CLAIM}",
      "file a claim against your organisation",
      "make a formal complaint",
    ],
    n: ["a complaint", "a formal complaint", "a consumer claim", "a customer complaint", "a complaint about your company", "a reclamation"],
    pre: [
      "I'm very unhappy with your service",
      "your service was terrible",
      "I had an awful experience with your company",
      "I'm not satisfied with your work",
      "the experience with your brand was bad",
      "I'm really disappointed",
      "I've been treated badly",
      "this is unacceptable",
    ],
    s: [
      "your service is terrible and I want to complain",
      "I am extremely dissatisfied",
      "this is unacceptable, I want to complain",
      "worst experience ever, I want to file a complaint",
      "I want to complain about the delivery driver",
      "I'm disgusted with how I was treated",
      "I want to make a complaint about one of your staff",
      "your company is a disgrace",
      "I'm fed up with your service",
    ],
  },
  contact_customer_service: {
    v: [
      "contact customer service",
      "speak to customer support",
      "reach customer care",
      "get in touch with customer assistance",
      "call customer service",
      "talk to your support team",
      "email customer support",
      "check what hours customer service is open",
      "see when I can call customer support",
      "find the customer service phone number",
      "contact your customer service team",
      "reach customer support by phone",
      "write to customer care",
    ],
    n: [
      "customer service",
      "customer support phone number",
      "customer service hours",
      "customer care email",
      "support team contact",
      "customer support opening hours",
    ],
    s: [
      "what are your customer service hours?",
      "when is customer support available?",
      "do you have a phone number for customer service?",
      "how do I reach your support team",
      "is there an email for customer care?",
      "what time does customer service open",
      "is customer support open on weekends?",
      "I'd like the customer service number",
    ],
  },
  contact_human_agent: {
    v: [
      "speak to a human",
      "talk to a real person",
      "chat with a live agent",
      "speak with an operator",
      "talk to someone",
      "contact a representative",
      "speak to somebody",
      "get a human on the line",
      "talk to an actual person",
      "chat with an agent",
      "speak to a person not a bot",
      "talk to a human agent",
      "reach a live person",
      "be transferred to an agent",
      "speak to a real human",
      "talk with a person",
    ],
    n: ["a human agent", "a live agent", "a real person please", "an operator", "agent please", "a representative", "human please"],
    pre: [
      "you aren't helpful",
      "I don't understand you",
      "this bot is useless",
      "you're not understanding me",
      "you don't get it",
      "this isn't working",
      "I'm tired of this robot",
      "this chatbot can't help me",
      "I don't want a machine",
    ],
    s: [
      "I want a human",
      "let me talk to a person",
      "get me a real person",
      "is there a human I can talk to?",
      "put me through to someone",
      "can I speak to someone real",
      "are you a bot? I want a person",
      "I need to speak with a person right now",
      "transfer me to an agent",
      "connect me to a live agent",
      "I'd rather talk to a person",
      "no more robots, get me someone real",
      "I don't want to chat with a bot, I want someone",
    ],
  },
  create_account: {
    v: [
      "create a user",
      "open a user account",
      "create {NEWACCT}",
      "open {NEWACCT}",
      "sign up for {NEWACCT}",
      "register {NEWACCT}",
      "make {NEWACCT}",
      "set up {NEWACCT}",
      "get {NEWACCT}",
      "start {NEWACCT}",
    ],
    n: ["a new account", "account creation", "opening a {TYPE} account", "a new {TYPE} account for my {REL}", "creating an account"],
    s: [
      "I don't have an account yet, how do I get one?",
      "I'd like to become a member",
      "how do I register?",
      "can I have a {TYPE} account",
      "I want to join, how do I open an account?",
      "new here, how do I create an account",
      "I'd like a {TYPE} account for my {REL}",
    ],
  },
  delete_account: {
    v: [
      "delete {ACCT}",
      "close {ACCT}",
      "cancel {ACCT}",
      "remove {ACCT}",
      "terminate {ACCT}",
      "deactivate {ACCT}",
      "get rid of {ACCT}",
      "erase {ACCT}",
      "shut down {ACCT}",
      "permanently delete {ACCT}",
    ],
    n: [
      "account deletion",
      "deletion of {ACCT}",
      "closing {ACCT}",
      "removal of {ACCT}",
      "cancellation of {ACCT}",
      "termination of {ACCT}",
      "deleting my account",
    ],
    pre: ["I no longer use {ACCT}", "I never use {ACCT}", "I don't need {ACCT} anymore", "I'm leaving your service"],
    s: [
      "please delete all my data and close my account",
      "I want my account gone",
      "how do I permanently delete my profile?",
      "close my account please",
      "I want to delete my account and all my data",
      "can you remove my account",
    ],
  },
  delivery_options: {
    v: [
      "check the delivery options",
      "see which shipping methods are available",
      "know what shipment options you offer",
      "choose a shipping method",
      "order from {PLACE}",
      "place an order from {PLACE}",
      "ship to {PLACE}",
      "get express delivery",
      "see if you deliver to {PLACE}",
      "check the shipping options",
      "pick a delivery method",
      "get my order delivered to {PLACE}",
      "collect my order in store",
      "place an order from {PLACE}",
      "buy from {PLACE}",
      "make an order from {PLACE}",
      "shop from {PLACE}",
      "send an order to {PLACE}",
    ],
    n: [
      "shipping options",
      "delivery methods",
      "shipments to {PLACE}",
      "shipping to {PLACE}",
      "delivery to {PLACE}",
      "express shipping",
      "next day delivery",
      "international shipping",
      "shipment methods",
    ],
    s: [
      "do you ship to {PLACE}?",
      "do you deliver to {PLACE}",
      "can I order from {PLACE}?",
      "is international shipping available?",
      "do you offer express delivery?",
      "can I pick up my order in store?",
      "what delivery options do you have",
      "do you ship internationally",
      "do you deliver on weekends?",
      "which couriers do you use",
      "can I place an order from {PLACE}",
      "I live in {PLACE}, can I order?",
      "shipping to {PLACE}?",
    ],
  },
  delivery_period: {
    v: [
      "know when my {PKG} will arrive",
      "check how long delivery takes",
      "see how soon I can expect my {PKG}",
      "find out the delivery time",
      "check when my {PKG} is going to arrive",
      "know the estimated delivery period",
      "see how many days shipping takes",
      "find out when the {PKG} arrives",
      "know how long it takes for the {PKG} to arrive",
    ],
    n: [
      "delivery time",
      "the delivery period",
      "shipping time",
      "estimated delivery time",
      "how long shipping takes",
      "delivery times to {PLACE}",
    ],
    s: [
      "when will my {PKG} arrive?",
      "how long does delivery take?",
      "how long until my {PKG} gets here",
      "when can I expect my {PKG}",
      "how many days for shipping to {PLACE}",
      "when is my {PKG} gonna arrive",
      "how soon will I get my {PKG}",
      "how long does shipping usually take",
      "will my {PKG} arrive before the weekend?",
    ],
  },
  edit_account: {
    v: [
      "edit {ACCT}",
      "update {ACCT}",
      "modify the information on {ACCT}",
      "change my account details",
      "update my personal data",
      "correct the details on {ACCT}",
      "change the email on my account",
      "update my phone number on {ACCT}",
      "edit my profile info",
      "change my username",
      "update the data on {ACCT}",
      "change the name on {ACCT}",
      "modify {ACCT}",
      "change {INFO} on {ACCT}",
      "update {INFO} on {ACCT}",
      "change {INFO} in {ACCT}",
      "edit my user",
      "change my user info",
      "edit the {INFO} of my user",
      "change {INFO} on my profile",
      "modify {INFO} on {ACCT}",
      "correct {INFO} on {ACCT}",
      "edit {INFO} on {ACCT}",
      "fix {INFO} on {ACCT}",
      "change the {INFO} of {ACCT}",
    ],
    n: [
      "an account details update",
      "editing {ACCT}",
      "{INFO} on {ACCT}",
      "changes to {INFO} on {ACCT}",
      "a personal information change",
      "a profile update",
      "the data on {ACCT}",
      "my account information",
    ],
    s: [
      "my account info is wrong",
      "I need to fix my name on my profile",
      "how do I change my email?",
      "where can I update my details",
      "my personal details are out of date",
    ],
  },
  get_refund: {
    v: [
      "get a refund",
      "get my money back",
      "request a refund",
      "ask for a reimbursement",
      "obtain a refund for {ORD}",
      "receive a refund",
      "be refunded for {ORD}",
      "claim a refund",
      "get reimbursed",
      "demand my money back",
      "get a refund of {AMT}",
      "return the {ITEM} and get my money back",
      "get compensation",
      "get a refund for the {ITEM}",
      "recover the {AMT} I paid",
      "get a {REFUND}",
      "ask for a {REFUND} of my money",
      "request a {REFUND} for {ORD}",
      "obtain a {REFUND}",
      "claim a {REFUND} of {AMT}",
      "demand a {REFUND}",
      "receive a {REFUND} of my money",
      "get {REFUND}s of money",
      "reimburse {AMT}",
      "refund {AMT}",
    ],
    n: [
      "a refund",
      "refund please",
      "a refund of {AMT}",
      "a reimbursement",
      "my money back",
      "a refund for {ORD}",
      "a {REFUND} of {AMT}",
      "{REFUND} of my money",
      "{REFUND}ing {AMT}",
    ],
    pre: [
      "I paid {AMT} for {ORD}",
      "I paid {AMT} for {PAIDFOR}",
      "I have paid {AMT} for {PAIDFOR}",
      "the {ITEM} arrived broken",
      "the {ITEM} doesn't work",
      "I returned the {ITEM}",
      "I paid {AMT} and never got the {ITEM}",
      "the {ITEM} was damaged",
    ],
    s: [
      "I want my money back",
      "refund me please",
      "I need a refund for {ORD}",
      "give me my {AMT} back",
      "the product is faulty, I want a refund",
      "I'd like a refund for the {ITEM}",
      "can I get my {AMT} back?",
    ],
  },
  newsletter_subscription: {
    v: [
      "subscribe to your newsletter",
      "sign up for the newsletter",
      "unsubscribe from the newsletter",
      "cancel my newsletter subscription",
      "stop receiving your newsletter",
      "receive your company newsletter",
      "opt out of marketing emails",
      "join your mailing list",
      "check the status of my newsletter subscription",
      "stop your promotional emails",
      "get your newsletter",
      "unsubscribe from your emails",
    ],
    n: ["the newsletter", "a newsletter subscription", "the mailing list", "marketing emails", "the company newsletter"],
    s: [
      "stop sending me emails",
      "how do I get your newsletter?",
      "I get too many emails from you",
      "am I subscribed to the newsletter?",
      "take me off your mailing list",
    ],
  },
  payment_issue: {
    v: [
      "report a payment problem",
      "tell you about an issue with my payment",
      "notify you of a payment error",
      "solve a problem with online payment",
      "fix a payment issue",
      "report trouble with payments",
      "sort out a failed payment",
      "let you know about a payment error",
      "resolve a payment issue",
      "report that my payment failed",
    ],
    n: [
      "a payment issue",
      "a payment error",
      "a problem with payment",
      "a failed payment",
      "a declined payment",
      "trouble paying",
      "online payment problems",
    ],
    pre: [
      "my card was declined",
      "I can't pay",
      "the payment keeps failing",
      "I was charged twice",
      "I can't make a transfer",
      "the checkout gives an error",
      "my payment was rejected",
    ],
    s: [
      "my payment didn't go through",
      "my card keeps getting declined",
      "I was charged twice for {ORD}",
      "the payment page crashes",
      "why was my payment rejected?",
      "I can't complete the payment",
      "money was taken but the order failed",
      "the payment won't go through",
      "I'm unable to pay for my order",
    ],
  },
  place_order: {
    v: [
      "place an order",
      "buy {ITEMS}",
      "purchase {ITEMS}",
      "order {ITEMS}",
      "make a purchase",
      "shop for {ITEMS}",
      "acquire {ITEMS}",
      "get {ITEMS} from your store",
      "make an order",
      "order something",
      "buy from your shop",
    ],
    n: ["a new order", "buying {ITEMS}", "a purchase of {ITEMS}", "placing an order", "ordering online"],
    s: [
      "I'd like to buy something",
      "how does ordering work?",
      "can I order online?",
      "I want to order a few things",
      "how do I buy from you?",
      "I'd like to purchase {ITEMS}",
    ],
  },
  recover_password: {
    v: [
      "reset my password",
      "recover my password",
      "retrieve my account password",
      "restore my user key",
      "change my forgotten password",
      "reset my PIN",
      "recover access to my account",
      "get a new password",
      "unlock my account",
      "recover my profile key",
      "reset the PIN code of my account",
      "retrieve my login",
    ],
    n: ["a password reset", "a forgotten password", "a lost PIN code", "password recovery", "account access", "a lost password"],
    pre: ["I forgot my password", "I can't remember my password", "I lost my login details", "I'm locked out of my account"],
    s: [
      "I forgot my password",
      "I can't log in",
      "my password doesn't work",
      "forgot pwd",
      "the reset link doesn't work",
      "I'm locked out",
      "I can't remember my PIN",
    ],
  },
  registration_problems: {
    v: [
      "report a problem with registration",
      "tell you about an issue with sign-up",
      "notify you of a signup error",
      "report errors registering",
      "fix a registration problem",
      "get help with my sign-up",
      "report an error creating my user",
      "solve a registration issue",
      "report a sign up problem",
    ],
    n: [
      "a registration problem",
      "a sign-up issue",
      "a signup error",
      "problems registering",
      "an error creating my user",
      "a registration error",
      "signup issues",
    ],
    s: [
      "I can't sign up",
      "the registration form won't submit",
      "I get an error when I try to register",
      "sign up isn't working",
      "I'm having trouble registering",
      "registration keeps failing",
      "the signup page gives an error",
      "I never got the verification email after signing up",
      "it won't let me register",
    ],
  },
  review: {
    v: [
      "leave a review",
      "write a review of a product",
      "submit feedback about your service",
      "give my opinion",
      "send feedback on your products",
      "rate your service",
      "leave a comment about your company",
      "share my opinion of a product",
      "post a review",
      "give you some feedback",
      "review a product",
      "send a comment about your service",
    ],
    n: [
      "feedback",
      "a product review",
      "the review section",
      "customer feedback",
      "my opinion about a product",
      "a comment about your service",
    ],
    s: [
      "where can I rate my purchase?",
      "I'd love to leave a good review",
      "is there a place to post feedback?",
      "how do I review an item I bought",
      "do you have a feedback form?",
      "I want to tell you what I think of your service",
      "great service, where do I leave a review?",
      "is there an email for feedback?",
    ],
  },
  switch_account: {
    v: [
      "switch to {SWACCT}",
      "change to {SWACCT}",
      "use {SWACCT}",
      "move to {SWACCT}",
      "upgrade to {SWACCT}",
      "downgrade to {SWACCT}",
      "switch accounts",
      "switch between my accounts",
      "change my plan to {TYPE}",
      "go to {SWACCT}",
    ],
    n: ["switching accounts", "an account switch", "an upgrade to {TYPE}", "changing to a {TYPE} account", "using the {TYPE} account"],
    s: [
      "how do I upgrade my account?",
      "can I go from {TYPE} to {TYPE}?",
      "I'd like to switch plans",
      "I want to use my {TYPE} profile instead",
    ],
  },
  track_order: {
    v: [
      "track {ORD}",
      "check the status of {ORD}",
      "see where {ORD} is",
      "locate {ORD}",
      "find out the ETA of {ORD}",
      "follow {ORD}",
      "check on {ORD}",
      "know the status of {ORD}",
      "see the tracking info for {ORD}",
      "find {ORD}",
      "check {ORD} status",
    ],
    n: [
      "order status",
      "the status of {ORD}",
      "a tracking number",
      "the ETA of {ORD}",
      "{ORD} status",
      "tracking for {ORD}",
      "where {ORD} is",
    ],
    s: [
      "where is my order?",
      "where's my package",
      "has {ORD} shipped yet?",
      "what's the status of {ORD}?",
      "{ORD} still hasn't arrived",
      "my order is late",
      "is my order on its way?",
      "any update on {ORD}?",
      "did you ship {ORD}",
      "where is {ORD}",
      "status of {ORD} please",
    ],
  },
  track_refund: {
    v: [
      "check the status of my refund",
      "track my refund",
      "see if my refund was processed",
      "know when I'll get my refund",
      "check if there are any updates on my reimbursement",
      "follow up on my refund",
      "check on my refund of {AMT}",
      "see if my compensation went through",
      "check if my {REFUND} of {AMT} was processed",
      "track the {REFUND} I'm expecting",
      "know if there is news on my {REFUND}",
    ],
    n: [
      "refund status",
      "the status of my reimbursement",
      "an update on my refund",
      "news on my compensation",
      "my pending refund",
      "the status of my {REFUND}",
      "the {REFUND} of {AMT} I'm expecting",
    ],
    s: [
      "I'm still waiting for my refund",
      "I'm waiting for a refund of {AMT}",
      "I'm expecting a reimbursement of {AMT}",
      "where is my refund?",
      "has my refund been processed?",
      "I haven't received my refund yet",
      "when will my refund arrive",
      "my refund of {AMT} still hasn't arrived",
      "it's been two weeks and no refund",
      "I should have got {AMT} back by now",
      "still no sign of my {AMT} refund, was it processed?",
      "I'm expecting a {REFUND} of {AMT}",
      "I am still waiting on a {REFUND} of {AMT}",
      "I expect to receive a {REFUND} of {AMT}, is it done?",
      "any news about my {REFUND}?",
      "was my {REFUND} processed?",
      "what happened to my {REFUND} of {AMT}",
      "I'm waiting for my {REFUND}, has it been sent?",
    ],
  },
  greeting: {
    count: SMALL_INTENT,
    s: [
      "hi",
      "hello",
      "hey",
      "hey there",
      "good morning",
      "good afternoon",
      "good evening",
      "hi there",
      "hello!",
      "hiya",
      "yo",
      "morning",
      "hi, anyone there?",
      "hello, is this the shop?",
      "greetings",
      "howdy",
      "hi!",
      "hey hey",
      "hello there",
      "hi good morning",
      "hola",
      "hey, how are you?",
    ],
  },
  thanks: {
    count: SMALL_INTENT,
    s: [
      "thanks",
      "thank you",
      "thank you so much",
      "thx",
      "ty",
      "cheers",
      "many thanks",
      "great, thanks",
      "perfect thank you",
      "that's helpful, thanks",
      "awesome thanks",
      "thanks a lot",
      "appreciate it",
      "ok thanks",
      "thanks for your help",
      "brilliant cheers",
      "got it thanks",
      "bye",
      "goodbye",
      "have a nice day",
      "that solved it, thanks",
      "super, thank you",
    ],
  },
  none: {
    count: 110,
    s: [
      "what's the weather today",
      "tell me a joke",
      "who are you",
      "what is the meaning of life",
      "do you like music",
      "I like turtles",
      "what time is it",
      "blah blah",
      "asdfgh",
      "the quick brown fox",
      "my cat is sleeping",
      "who won the football match",
      "what's 2 plus 2",
      "sing me a song",
      "how old are you",
      "are you married",
      "I'm bored",
      "what's your favourite colour",
      "lorem ipsum",
      "ok",
      "yes",
      "no",
      "maybe",
      "hmm",
      "lol",
      "test",
      "testing 123",
      "banana",
      "nothing",
      "never mind",
      "wrong chat sorry",
      "what's the capital of France",
      "recommend a movie",
      "translate this to Spanish",
      "I'm hungry",
      "let's play a game",
      "where do penguins live",
      "is it going to rain",
      "my dog ate my homework",
      "good night moon",
      "xyz",
      "qwerty",
      "what is love",
      "what's up with the traffic",
      "I love pizza",
      "how tall is the eiffel tower",
      "random words here",
      "who is the president",
      "what day is it",
      "do you dream",
      "haha",
      "sure",
      "okay",
      "k",
      "fine",
      "sorry",
      "wait what",
      "hmm let me think",
      "ignore that",
    ],
  },
};

// ---- noise -------------------------------------------------------------------------------
const SLANG: [RegExp, string[]][] = [
  [/\byou\b/g, ["u", "ya"]],
  [/\byour\b/g, ["ur"]],
  [/\bwant to\b/g, ["wanna"]],
  [/\bgoing to\b/g, ["gonna"]],
  [/\bdon't\b/g, ["dont"]],
  [/\bI'm\b/g, ["im", "i'm"]],
  [/\bcan't\b/g, ["cant"]],
  [/\bplease\b/g, ["pls", "plz"]],
  [/\bI\b/g, ["i"]],
];
const PROFANITY = ["damn", "bloody", "fucking", "goddamn", "stupid"];
const KEYBOARD_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm";

function addTypo(text: string): string {
  const words = text.split(" ");
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => /^[a-z]{4,}$/i.test(w));
  if (candidates.length === 0) return text;
  const [word, index] = pick(candidates);
  const at = 1 + Math.floor(random() * (word.length - 2));
  const kind = Math.floor(random() * 5);
  let typo = word;
  if (kind === 0) typo = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  else if (kind === 1) typo = word.slice(0, at) + word.slice(at + 1);
  else if (kind === 2) typo = word.slice(0, at) + word[at] + word.slice(at);
  else if (kind === 3) typo = word.slice(0, at) + pick([...KEYBOARD_NEIGHBOURS]) + word.slice(at + 1);
  else if (index + 1 < words.length) {
    // Two words run together, a frequent slip on phone keyboards.
    words[index] = word + words[index + 1];
    words.splice(index + 1, 1);
    return words.join(" ");
  }
  words[index] = typo;
  return words.join(" ");
}

function addNoise(text: string): string {
  let out = text;
  if (random() < SLANG_RATE) {
    const [pattern, replacements] = pick(SLANG);
    out = out.replace(pattern, () => pick(replacements));
  }
  if (random() < PROFANITY_RATE) {
    out = out.replace(/\b(the|my|your|this|a) (\w+)/, (_, det: string, noun: string) => `${det} ${pick(PROFANITY)} ${noun}`);
  }
  if (random() < 0.3) out = out.toLowerCase();
  if (random() < 0.3) out = out.replace(/[?!.]$/, "");
  if (random() < TYPO_RATE) out = addTypo(out);
  return out.replace(/\s+/g, " ").trim();
}

function generateOne(spec: IntentSpec): string {
  const kinds: string[] = [];
  if (spec.v) kinds.push("inf", "inf", "inf", "ing");
  if (spec.n) kinds.push("noun");
  if (spec.s) kinds.push("s", "s");
  if (spec.pre && spec.v) kinds.push("pre");
  const kind = pick(kinds);
  switch (kind) {
    case "inf":
      return pick(INF_FRAMES).replace("{v}", pick(spec.v!));
    case "ing":
      return pick(ING_FRAMES).replace("{g}", ingForm(pick(spec.v!)));
    case "noun":
      return pick(NOUN_FRAMES).replace("{n}", pick(spec.n!));
    case "pre":
      return `${pick(spec.pre!)}${pick([", ", " ", ". "])}${pick(INF_FRAMES.slice(0, 30)).replace("{v}", pick(spec.v!))}`;
    default:
      return pick(spec.s!);
  }
}

const normalize = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

function loadHeldOut(): Set<string> {
  if (!existsSync(BITEXT_DEV)) return new Set();
  const lines = readFileSync(BITEXT_DEV, "utf8").split(/\r?\n/).slice(1);
  // The first column is the text; it is quoted when it contains a comma.
  return new Set(
    lines.filter(Boolean).map((line) => normalize(line.startsWith('"') ? line.slice(1, line.indexOf('"', 1)) : line.split(",")[0]!)),
  );
}

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

function main() {
  const heldOut = loadHeldOut();
  const rows: string[] = ["text,intent"];
  let dropped = 0;
  for (const [intent, spec] of Object.entries(INTENTS)) {
    const target = spec.count ?? PER_INTENT;
    const seen = new Set<string>();
    // The plain sentences first, so every hand-written phrasing is present at least once.
    const pool = (spec.s ?? []).map(fill);
    let attempts = 0;
    while (seen.size < target && attempts < target * 40) {
      attempts += 1;
      const raw = pool.length > 0 ? pool.shift()! : fill(generateOne(spec));
      const text = attempts <= (spec.s?.length ?? 0) ? raw : addNoise(raw);
      const key = normalize(text);
      if (seen.has(key)) continue;
      if (heldOut.has(key)) {
        dropped += 1;
        continue;
      }
      seen.add(key);
      rows.push(`${csvField(text)},${intent}`);
    }
  }
  writeFileSync(OUT, `${rows.join("\n")}\n`);
  console.log(
    `Wrote ${rows.length - 1} examples to ${OUT}${heldOut.size ? ` (${dropped} dropped for matching the Bitext evaluation file)` : ""}`,
  );
}

main();
