import { identifyLanguage } from "../src/languages/identify-language.js";
import { eld } from "eld/small";
for (const t of ["see cancellationcharges", "see bill #12588", "making coaim"])
  console.log(t, identifyLanguage(t), eld.detect(t).getScores(), eld.detect(t).isReliable());
