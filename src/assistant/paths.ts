import { join } from "node:path";
import { PACKAGE_ROOT } from "../paths.js";

/** The shipped data files, resolved from the package root so they are found from any working directory. */
const dataFile = (name: string) => join(PACKAGE_ROOT, "data", name);

export const DEFAULT_CORPUS_FILE = dataFile("corpus.csv");
export const DEFAULT_ANSWERS_FILE = dataFile("answers.json");
export const DEFAULT_ORDERS_FILE = dataFile("orders.json");
