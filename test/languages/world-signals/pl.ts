import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "halo, jest tu ktoś żywy?",
      "poproszę kogoś z obsługi",
      "prosze polaczyc mnie z konsultantem 🙏",
      "chce pogadac z zywym czlowiekiem a nie z botem",
      "dajcie mi jakiegos pracownika obslugi",
    ],
    cancellation: ["chce anulowac zamowienie nr 5521", "jak zrezygnowac z subskrypcji??", "prosze usunac moje konto natychmiast"],
    complaint: [
      "żałośni jesteście",
      "fatalna obsługa w tym sklepie",
      "obsluga klienta to totalna zenada 😡",
      "chce zlozyc skarge na kuriera",
      "najgorszy sklep w jakim zamawialem",
    ],
    insult: ["jestescie idiotami", "ten bot to debil", "spierdalajcie z tym botem"],
    fraud: ["oszusci!!! gdzie moja kasa", "to jest zwykle oszustwo", "zlodzieje, okradliscie mnie"],
    legal: ["ide z tym do sadu", "zglaszam sprawe na policje", "napisze do rzecznika praw konsumenta"],
    money_not_credited: [
      "przelałam kasę i nic nie przyszło",
      "zwrot nadal nie doszedł na konto",
      "pieniadze zeszly z konta a zamowienia brak",
      "zaplacilem ale platnosc nadal nie zaksiegowana",
      "zwrotu dalej nie widac na koncie",
    ],
    charged_twice: ["pobraliscie mi 2 razy za to samo", "platnosc zostala pobrana dwukrotnie", "mam podwojne obciazenie karty"],
  },
  mustNot: [
    "zapłaciłam kartą, kiedy wysyłka?",
    "gdzie jest moja paczka? zamowienie 4471",
    "czy ta kurtka jest dostepna w rozmiarze M",
    "jak moge zaplacic blikiem?",
    "dzien dobry 👋",
    "dziekuje bardzo za pomoc!",
    "kiedy konczy sie promocja na abonament?",
  ],
} satisfies LanguageSignalCases;
