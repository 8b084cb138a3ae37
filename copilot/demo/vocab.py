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

TICKET_SUBJECTS = [
    ("Poissaoloraportti ei päivity", "Absence report does not refresh"),
    ("Palkkaintegraation virhe", "Payroll integration error"),
    ("Kirjautuminen ei onnistu", "Cannot log in"),
    ("Uuden työntekijän perehdytyslomake", "New hire onboarding form"),
    ("Käyttöoikeuksien muutos", "Change of user rights"),
    ("Laskun erittely", "Invoice breakdown"),
    ("Raportin vienti Exceliin", "Export report to Excel"),
    ("Sähköinen allekirjoitus jumissa", "E-signature stuck"),
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
