"""Word lists for the fictional CRM of Kaarna Ohjelmistot Oy, an HR software vendor in Tampere."""

from __future__ import annotations

FIRST_NAMES = [
    "Aino",
    "Anna",
    "Emma",
    "Helmi",
    "Ilona",
    "Johanna",
    "Kaisa",
    "Laura",
    "Maria",
    "Minna",
    "Noora",
    "Paula",
    "Riikka",
    "Sanna",
    "Satu",
    "Tiina",
    "Ulla",
    "Veera",
    "Antti",
    "Eero",
    "Heikki",
    "Jari",
    "Juha",
    "Jukka",
    "Kalle",
    "Lauri",
    "Markku",
    "Matti",
    "Mikko",
    "Olli",
    "Pekka",
    "Petri",
    "Sami",
    "Tapio",
    "Timo",
    "Tuomas",
    "Ville",
    "Jonna",
    "Katja",
    "Oskari",
]
LAST_NAMES = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
]
COMPANY_STEMS = [
    "Koivu",
    "Kallio",
    "Revontuli",
    "Aalto",
    "Pohjola",
    "Saimaa",
    "Kataja",
    "Tunturi",
    "Lumo",
    "Virta",
    "Kajo",
    "Karhu",
    "Ilves",
    "Kuusi",
    "Sisu",
    "Lakeus",
    "Rannikko",
    "Helle",
    "Routa",
    "Kivi",
    "Pihlaja",
    "Lähde",
    "Salmi",
    "Harju",
    "Vaara",
    "Kaste",
    "Tähti",
    "Uoma",
    "Kelo",
]
INDUSTRY_SUFFIX = {
    "manufacturing": ["Metalli Oy", "Tehtaat Oy", "Koneistus Oy", "Teollisuus Oy"],
    "retail": ["Kauppa Oy", "Market Oy", "Retail Oy"],
    "healthcare": ["Terveys Oy", "Hoiva Oy", "Klinikka Oy"],
    "it_services": ["Data Oy", "Digital Oy", "IT-palvelut Oy"],
    "logistics": ["Logistiikka Oy", "Kuljetus Oy", "Terminaalit Oy"],
    "finance": ["Rahoitus Oy", "Tilitoimisto Oy", "Vakuutus Oy"],
    "public": ["kuntayhtymä", "kaupunki", "hyvinvointialue"],
}
INDUSTRIES = list(INDUSTRY_SUFFIX)

# (persona, Finnish title, English title)
PERSONAS = [
    ("hr_director", "Henkilöstöjohtaja", "HR Director"),
    ("hr_manager", "HR-päällikkö", "HR Manager"),
    ("cio", "Tietohallintojohtaja", "CIO"),
    ("cfo", "Talousjohtaja", "CFO"),
    ("ceo", "Toimitusjohtaja", "CEO"),
]

# (id, name, role, Slack user id) of Kaarna's staff; the first six own accounts.
REPS = [
    ("rep-anna", "Anna Virtanen", "sales", "U0ANNA"),
    ("rep-mikko", "Mikko Laine", "sales", "U0MIKKO"),
    ("rep-sanna", "Sanna Heikkilä", "sales", "U0SANNA"),
    ("rep-juha", "Juha Koskinen", "sales", "U0JUHA"),
    ("rep-laura", "Laura Salo", "sales", "U0LAURA"),
    ("rep-timo", "Timo Rantanen", "sales", "U0TIMO"),
]
STAFF = [
    ("sup-eeva", "Eeva Lahtinen", "support", "U0EEVA"),
    ("mkt-olli", "Olli Jokinen", "marketing", "U0OLLI"),
    ("adm-katja", "Katja Mattila", "admin", "U0KATJA"),
]

PRODUCTS = [
    ("Kaarna HR Core", 9.0),
    ("Kaarna Insight", 6.0),
    ("Kaarna Flow", 7.5),
    ("Tukipaketti Plus", 3.0),
]
# How many customers in a hundred have taken each add-on (PRODUCTS[1:]) on top of HR Core.
ADDON_SHARE = [45, 35, 25]
# One-off services every customer may order, whatever products it has.
SERVICES = ["Pääkäyttäjäkoulutus", "Palkkaliittymän käyttöönotto", "Lisälisenssit"]

# Support requests as customers write them: (Finnish subject, English subject, Finnish body, English body).
# A ticket is written in the language of the contact who filed it.
TICKETS = [
    (
        "Poissaoloraportti ei päivity",
        "Absence report does not refresh",
        "Poissaoloraportissa näkyy edelleen viime viikon luvut, vaikka poissaoloja on kirjattu lisää. "
        "Tarvitsisin ajantasaiset tiedot johtoryhmälle.",
        "The absence report still shows last week's figures although new absences have been recorded. "
        "I need up-to-date numbers for our management team.",
    ),
    (
        "Palkkaintegraation virhe",
        "Payroll integration error",
        "Palkka-aineiston siirto palkanlaskentaan epäonnistui tänä aamuna virheilmoitukseen. "
        "Palkanmaksupäivä on lähellä, joten asia on kiireellinen.",
        "This morning's transfer of payroll data to our payroll system failed with an error message. "
        "Payday is close, so this is urgent.",
    ),
    (
        "Kirjautuminen ei onnistu",
        "Cannot log in",
        "Useampi esihenkilömme ei pääse kirjautumaan Kaarnaan, vaikka tunnukset ovat oikein. "
        "Mistä tämä voisi johtua?",
        "Several of our supervisors cannot log in to Kaarna although their credentials are right. "
        "What could be causing this?",
    ),
    (
        "Uuden työntekijän perehdytyslomake",
        "New hire onboarding form",
        "Aloitamme ensi kuussa kolmen uuden työntekijän kanssa. Miten saan perehdytyslomakkeen "
        "lähtemään heille jo ennen ensimmäistä työpäivää?",
        "Three new employees start next month. How do I get the onboarding form to them before "
        "their first day?",
    ),
    (
        "Käyttöoikeuksien muutos",
        "Change of user rights",
        "Tiimimme esihenkilö vaihtuu. Miten siirrän käyttöoikeudet uudelle esihenkilölle ja poistan "
        "ne edelliseltä?",
        "Our team's supervisor is changing. How do I move the user rights to the new supervisor and "
        "remove them from the previous one?",
    ),
    (
        "Laskun erittely",
        "Invoice breakdown",
        "Saimme laskun, jonka käyttäjämäärä on suurempi kuin odotimme. Voitteko kertoa, miten "
        "käyttäjät on laskettu?",
        "We received an invoice with more users than we expected. Can you explain how the users "
        "were counted?",
    ),
    (
        "Raportin vienti Exceliin",
        "Export report to Excel",
        "Haluaisin viedä vaihtuvuusraportin Exceliin, mutta en löydä siihen toimintoa. Onko tämä mahdollista?",
        "I would like to export the turnover report to Excel but cannot find how. Is it possible?",
    ),
    (
        "Sähköinen allekirjoitus jumissa",
        "E-signature stuck",
        "Työsopimus on ollut allekirjoitettavana kolme päivää, eikä uusi työntekijä ole saanut "
        "allekirjoituspyyntöä. Miten pääsemme eteenpäin?",
        "An employment contract has been waiting for signature for three days and the new employee "
        "has not received the signing request. How do we move forward?",
    ),
]

ACTIVITY_NOTES = [
    ("call", "Puhelu: käytiin läpi käyttöönoton tilanne", "Call: went through the rollout status"),
    ("meeting", "Tapaaminen: kvartaalikatsaus", "Meeting: quarterly review"),
    ("note", "Asiakas kysyi Insight-raporteista", "Customer asked about Insight reports"),
    ("email", "Lähetetty tarjous lisälisensseistä", "Sent an offer for extra licences"),
]

CONSENT_SOURCES = [
    "webinar sign-up form",
    "website contact form",
    "trade fair badge scan",
    "customer portal settings",
    "newsletter double opt-in",
]

CAMPAIGN_THEMES = [
    ("HR-analytiikka", "hr_director"),
    ("Perehdytys", "hr_manager"),
    ("Integraatiot", "cio"),
    ("Kustannussäästöt", "cfo"),
    ("Työhyvinvointi", "hr_director"),
    ("Digitaalinen HR", "ceo"),
]
