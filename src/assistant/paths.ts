import { fileURLToPath } from "node:url";

/** The shipped data files, resolved from this module so they are found from any working directory. */
const dataFile = (name: string) => fileURLToPath(new URL(`../../data/${name}`, import.meta.url));

export const DEFAULT_CORPUS_FILE = dataFile("corpus.csv");
export const DEFAULT_ANSWERS_FILE = dataFile("answers.json");
export const DEFAULT_ORDERS_FILE = dataFile("orders.json");
