/**
 * Countries, regions and large cities. A place name is replaced by one placeholder word before
 * classification, so "do you ship to Lima?" looks like every other "ship to <place>" the model
 * was trained on, whichever place the corpus happened to use.
 */
const COUNTRIES = `afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain bangladesh
barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burundi cambodia cameroon canada chad chile
china colombia congo costa rica croatia cuba cyprus czechia czech republic denmark djibouti dominican republic ecuador egypt el salvador
england estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana greece grenada guatemala guinea guyana haiti
honduras hong kong hungary iceland india indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya kosovo kuwait
kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania luxembourg madagascar malawi malaysia maldives mali malta
mauritania mauritius mexico moldova monaco mongolia montenegro morocco mozambique myanmar namibia nepal netherlands holland new zealand
nicaragua niger nigeria north macedonia northern ireland norway oman pakistan panama paraguay peru philippines poland portugal puerto rico
qatar romania russia rwanda saudi arabia scotland senegal serbia singapore slovakia slovenia somalia south africa south korea korea spain
sri lanka sudan suriname sweden switzerland syria taiwan tajikistan tanzania thailand togo trinidad tunisia turkey turkmenistan uganda
ukraine united arab emirates uae united kingdom uk great britain britain united states usa us america uruguay uzbekistan venezuela vietnam
wales yemen zambia zimbabwe europe asia africa oceania scandinavia latin america south america north america the caribbean middle east`;

const REGIONS = `alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho illinois indiana iowa kansas
kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana nebraska nevada new hampshire new jersey
new mexico north carolina north dakota ohio oklahoma oregon pennsylvania rhode island south carolina south dakota tennessee texas utah
vermont virginia washington west virginia wisconsin wyoming ontario quebec british columbia alberta manitoba nova scotia bavaria
catalonia andalusia tuscany sicily queensland victoria tasmania`;

const CITIES = `london manchester birmingham liverpool leeds glasgow edinburgh cardiff belfast bristol dublin cork paris lyon marseille
berlin munich hamburg frankfurt cologne stuttgart vienna zurich geneva basel amsterdam rotterdam brussels antwerp luxembourg madrid
barcelona valencia seville bilbao malaga lisbon porto rome milan naples turin florence venice bologna athens istanbul ankara warsaw krakow
prague budapest bucharest sofia belgrade zagreb ljubljana bratislava copenhagen stockholm gothenburg oslo bergen helsinki reykjavik tallinn
riga vilnius kyiv kiev moscow minsk tbilisi yerevan baku new york new york city nyc los angeles chicago houston phoenix philadelphia
san antonio san diego dallas austin san jose san francisco seattle denver boston detroit nashville portland las vegas miami atlanta
orlando minneapolis cleveland pittsburgh baltimore charlotte st louis salt lake city honolulu toronto montreal vancouver calgary ottawa
edmonton winnipeg mexico city guadalajara monterrey havana bogota lima quito santiago buenos aires montevideo sao paulo rio de janeiro
brasilia caracas cairo alexandria casablanca marrakech tunis algiers lagos abuja accra nairobi addis ababa kampala dar es salaam
johannesburg cape town durban dubai abu dhabi doha riyadh jeddah tel aviv jerusalem beirut amman tehran karachi lahore islamabad delhi
new delhi mumbai bangalore bengaluru chennai kolkata hyderabad dhaka kathmandu colombo bangkok hanoi ho chi minh city kuala lumpur jakarta
manila beijing shanghai shenzhen guangzhou hong kong taipei seoul busan tokyo osaka kyoto sydney melbourne brisbane perth adelaide
auckland wellington`;

const PLACE_NAMES = [COUNTRIES, REGIONS, CITIES].flatMap((list) => list.split(/\s+/)).join(" ");

/** Multi-word names are listed as consecutive words above; these are the ones to join. */
const MULTI_WORD = [
  "costa rica",
  "czech republic",
  "dominican republic",
  "el salvador",
  "hong kong",
  "new zealand",
  "north macedonia",
  "northern ireland",
  "puerto rico",
  "saudi arabia",
  "south africa",
  "south korea",
  "sri lanka",
  "united arab emirates",
  "united kingdom",
  "great britain",
  "united states",
  "latin america",
  "south america",
  "north america",
  "the caribbean",
  "middle east",
  "new hampshire",
  "new jersey",
  "new mexico",
  "north carolina",
  "north dakota",
  "rhode island",
  "south carolina",
  "south dakota",
  "west virginia",
  "british columbia",
  "nova scotia",
  "new york city",
  "new york",
  "los angeles",
  "san antonio",
  "san diego",
  "san jose",
  "san francisco",
  "las vegas",
  "st louis",
  "salt lake city",
  "mexico city",
  "buenos aires",
  "sao paulo",
  "rio de janeiro",
  "cape town",
  "abu dhabi",
  "tel aviv",
  "new delhi",
  "kuala lumpur",
  "ho chi minh city",
  "addis ababa",
  "dar es salaam",
];

function buildPattern(): RegExp {
  const multiWords = new Set(MULTI_WORD.flatMap((name) => name.split(" ")));
  // Single words that are only parts of multi-word names ("new", "the") are not places on their own.
  const singles = PLACE_NAMES.split(" ").filter((word) => word && !multiWords.has(word));
  const standalone = ["georgia", "korea", "mexico", "washington", "victoria", "america", "england", "wales", "scotland", "york"];
  const names = [...new Set([...MULTI_WORD, ...singles, ...standalone])].sort((a, b) => b.length - a.length);
  // "us" is only a place when written "US"/"U.S." — handled before lower-casing by the caller.
  const lowerOnly = names.filter((name) => name !== "us");
  return new RegExp(`\\b(?:${lowerOnly.map((name) => name.replace(/ /g, "\\s+")).join("|")})\\b`, "g");
}

export const PLACE_PLACEHOLDER = "xplace";
const PLACE_PATTERN = buildPattern();

/** Replaces known place names in lower-cased text with the placeholder word. */
export function replacePlaces(lowerText: string): string {
  return lowerText.replace(PLACE_PATTERN, ` ${PLACE_PLACEHOLDER} `);
}
