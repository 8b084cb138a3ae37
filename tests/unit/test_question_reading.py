"""How a visitor's question is read: its intent, the industry and product it names, and the units an
answer may quote. Questions here are not in the eval set."""

from __future__ import annotations

import pytest

from copilot.engines.composer import answer, intent, sizes, terms
from copilot.engines.composer.spoken import standard
from copilot.engines.composer.terms import generic
from retrieval.units import answer_units, list_units


@pytest.mark.parametrize(("question", "lang", "expected"), [
    ("Onko teillä asiakkaita logistiikka-alalta?", "fi", "logistics"),
    ("Do you work with hospitals?", "en", "healthcare"),
    ("Asiakastarinoita kauppaketjuista?", "fi", "retail"),
    ("Any banks among your customers?", "en", "finance"),
    ("We're an asset management firm. Do you have a customer like us?", "en", "finance"),
    ("Do you have customer references? Our people are our biggest asset.", "en", None),  # an asset, no firm
    ("Referenssejä ohjelmistoyrityksistä? Meille Kaarna on iso sijoitus.", "fi", "it_services"),
    ("Any references from wealth management?", "en", "finance"),  # the phrase, not "health" misspelt
    ("What does Kaarna cost?", "en", None),
    ("onko teillä kuntasektorin asiakkaita, esim joku kaupunki?", "fi", "public"),  # a compound; a city, not a shop
    ("Kaupungin asiakkaita teillä?", "fi", "public"),
    ("Referenssejä hoivakodeista?", "fi", "healthcare"),
    ("Kuntia asiakkaina? Kauanko käyttöönotto kesti?", "fi", "public"),  # "kauan" is no misspelt "kaupan"
])
def test_the_industry_a_question_names(question: str, lang: str, expected: str | None) -> None:
    assert intent.industry(question, lang) == expected


@pytest.mark.parametrize(("question", "lang", "expected"), [
    ("Does Kaarna support webhooks?", "en", "integration"),  # the verb, not the support desk
    ("When is your support open?", "en", "support"),
    ("How much is the Insight add-on?", "en", "price"),
    ("Does any municipality use Kaarna?", "en", "references"),
    ("Has any Finnish city implemented Kaarna?", "en", "references"),  # implemented is a use too
    ("Which modules can be deployed first?", "en", "implementation"),  # the rollout, not who rolled out
    ("Are invoices sent every quarter?", "en", "billing"),  # how the bill comes, not what it says
    ("Missä ajassa Insight maksaa itsensä takaisin?", "fi", "roi"),  # payback, though "maksaa" is a price word
    # what is asked decides, not the story around it: the plan they will buy is not a price question
    ("If our logins break at night, when does your support answer? We'd take the cheapest plan.", "en", "support"),
    ("Saako isosta asiakasmäärästä alennusta?", "fi", "price"),  # "iso" is big, not the ISO standard
    ("Onko teillä ISO 27001 -sertifikaatti?", "fi", "security"),
    # the circumstance before what is asked is not what is asked
    ("Jos palkkasiirto kaatuu perjantaina, saako teiltä apua lauantaina?", "fi", "support"),
    ("Onko teillä kokemusta logistiikka-alalta?", "fi", "references"),  # experience, not a trial ("kokeilu")
    ("Can staff see their pay slips on the phone?", "en", None),  # the employees' pay, not Kaarna's price
    ("Does Kaarna work with our payroll system?", "en", "integration"),  # payroll is still an integration's
    ("Aineisto jäi jumiin ja palkanmaksu on huomenna, mitä teen?", "fi", None),  # the wages paid, no fee
    ("My leave request vanished two hours ago, what now?", "en", None),  # when it happened, no support hours
    ("Paljonko heidän sairauspoissaolonsa laski?", "fi", None),  # a fall ("laski"), not an invoice ("lasku")
])
def test_the_intent_of_a_question(question: str, lang: str, expected: str | None) -> None:
    assert intent.topic_intent(question, lang) == expected


def test_using_the_product_is_not_asking_who_uses_it() -> None:
    assert intent.topic_intent("Can part-time staff use the mobile app?", "en") != "references"
    assert intent.topic_intent("Who uses Kaarna?", "en") == "references"


def test_paljonko_asks_for_an_amount_not_a_yes_or_no() -> None:
    assert not intent.yes_no("Paljonko Flow maksaa?")
    assert intent.yes_no("Sisältyykö tuki hintaan?")


def test_product_and_plan_names_are_found_inflected() -> None:
    assert intent.names("Mitä Enterprise-tuki maksaa HR Coren kanssa?") == intent.names("Enterprise, HR Core")
    assert intent.names("Kaarna validates payroll data") == frozenset()
    assert intent.names("flow pricing?") == {"Flow"}  # a visitor need not capitalise


def test_in_the_content_a_product_is_named_only_as_written() -> None:
    assert intent.names("Ask them to complete multi-factor authentication.", cased=True) == frozenset()
    assert intent.names("Kaarna Complete costs less than the three.", cased=True) == {"Complete"}


def test_a_list_is_also_one_unit_under_its_heading() -> None:
    body = "- 10 to 49 seats: 5%\n- 50 seats or more: 8%\n\nAsk us for a quote."
    units = answer_units(body, "Seat discounts")
    assert units[-1] == "Seat discounts: 10 to 49 seats: 5%; 50 seats or more: 8%."
    assert list_units(body, "Which discounts?") == ["10 to 49 seats: 5%; 50 seats or more: 8%."]
    assert list_units("- one short item\n", "Heading") == []  # a single item is its own unit already


def test_comments_in_the_generic_word_list_are_not_words() -> None:
    # The file explains itself in comments; a word of the explanation ("topic", "verb") is not generic.
    assert "supported" in generic()
    assert "topic" not in generic() and "verb" not in generic()


@pytest.mark.parametrize(("question", "told", "asked"), [
    ("Olemme 80 hengen hotelliketju. Miten vuorolistat julkaistaan?", "hotelliketju", "vuorolist"),
    ("We run twelve warehouses, how are shifts published?", "warehous", "shift"),
])
def test_the_situation_told_before_the_question_is_context(question: str, told: str, asked: str) -> None:
    stems = {w.stem for w in intent.context_words(question, "fi" if "Miten" in question else "en")}
    assert any(s.startswith(told) for s in stems)
    assert not any(s.startswith(asked) for s in stems)


def test_the_circumstances_after_the_question_are_context_too() -> None:
    stems = {w.stem for w in intent.context_words("Kuka omistaa raportit, kun työsuhde päättyy?", "fi")}
    assert any(s.startswith("tyosuh") for s in stems) and not any(s.startswith("raport") for s in stems)


def test_a_last_sentence_typed_without_a_mark_asks_when_it_has_a_question_word() -> None:
    asked = "ja jos se ei toimi ni kuinka ajoissa pitää ilmoittaa"
    assert intent.asking(f"Kauanko sopimus kestää? {asked}") == ["Kauanko sopimus kestää?", asked]
    assert intent.asking("Meillä on 40 kesätyöntekijää. Laskutetaanko heistä koko vuodelta.") == []
    assert intent.asking("We use Entra ID. Let me know when you can") == []  # a sign-off, not a question
    # one sentence without a mark tells no situation apart from what it asks
    assert intent.asking("uusi työntekijä ei saanut sopimusta, mitä teen") == []


@pytest.mark.parametrize(("question", "shape"), [
    ("Paljonko käyttöönotto vie meidän omaa aikaa viikossa?", "effort"),
    ("How much of my time would the rollout take?", "effort"),
    ("Our time tracking is ancient. How long does a rollout take?", "duration"),  # "our time" is no effort
    ("How much of our time does Insight save?", "count"),  # a saving, not the effort asked of us
    ("Voiko Kaarnalla seurata työmäärää?", None),
])
def test_the_effort_asked_of_the_customers_people(question: str, shape: str | None) -> None:
    assert intent.asked_shape(question) == shape


def test_the_thing_whose_existence_is_asked_and_the_askers_title() -> None:
    assert intent.existing_thing("is there some package deal or do we pay each one separately?") == "package"
    assert intent.existing_thing("Is there an audit log?") == "audit"  # the article is not the thing's start
    assert intent.existing_thing("Löytyykö teiltä mobiilisovellus?") == "mobiilisovellus"
    assert intent.asker_titles("I'm a Workday customer. Do you integrate with it?") == frozenset()
    assert intent.asker_titles("I'm the DPO of a logistics firm. Where is our data?") == {"dpo"}
    assert intent.asker_titles("CFO here. What does it cost?") == {"cfo"}
    assert intent.asker_titles("We use Workday. Do you integrate with it?") == frozenset()
    # one who asks through the visitor, but not one the question is about
    assert intent.asker_titles("Our DPO and the works council want to know where the data is.") == {"dpo"}
    assert intent.asker_titles("Does our CFO get a monthly report?") == frozenset()
    assert intent.asker_titles("Our IT department needs SAML.") == frozenset()  # a department, no asker


@pytest.mark.parametrize(("question", "lang", "expected"), [
    ("Olemme kunta. Onko teillä julkisen sektorin asiakkaita ja kauanko siellä käyttöönotto kesti?", "fi",
     ("Olemme kunta. Onko teillä julkisen sektorin asiakkaita?", "kauanko siellä käyttöönotto kesti?")),
    ("Do you have public sector references, and how long did their rollout take?", "en",
     ("Do you have public sector references?", "how long did their rollout take?")),
    # two questions of their own, and one that names no industry
    ("Is the data encrypted, and do you offer a Slack app?", "en", None),
    ("Do you have references, and how long did their rollout take?", "en", None),
    # "it" is the product the visitor would roll out, not the story
    ("Do you have public sector customers, and how long does it take for a 500-person city?", "en", None),
])
def test_a_story_asked_for_with_a_detail_of_it(question: str, lang: str, expected: tuple[str, str] | None) -> None:
    assert intent.story_and_detail(question, lang) == expected


@pytest.mark.parametrize("question", ["Kuinka paljon aiemmin sopimus pitää irtisanoa?",
                                      "How much notice do we have to give?"])
def test_how_much_before_asks_for_a_duration_not_an_amount(question: str) -> None:
    assert intent.asked_shape(question) == "duration"


def test_a_question_that_asks_twice_has_no_context() -> None:
    assert intent.context_words("Milloin Flow tulee? Onko päivää tiedossa?", "fi") == frozenset()


def test_a_short_name_before_the_question_is_what_is_asked_about() -> None:
    assert intent.context_words("Insight, mitä se maksaa?", "fi") == frozenset()


def test_how_long_asks_for_a_duration_whatever_the_intent() -> None:
    assert intent.wanted_shape("How quickly would Flow pay for itself?", "roi") == "duration"
    assert intent.wanted_shape("Paljonko Flow maksaa?", "price") == "money"
    assert intent.wanted_shape("Onko Flow kallis?", "price") is None  # yes or no


@pytest.mark.parametrize(("size", "unit", "expected"), [
    (1500, "Organisations of more than 1,000 people usually need 12–16 weeks.", sizes.IN_RANGE),
    (700, "Yli 1 000 hengen organisaatioissa kokonaisuus vie 12–16 viikkoa.", sizes.OUT_OF_RANGE),
    (700, "500–999 käyttäjää: −10 %", sizes.IN_RANGE),
    (250, "Implementation for up to 300 users: €4,900", sizes.IN_RANGE),
    (30, "The minimum billing is 50 users.", 0.0),  # a bare count may be a floor: it never rules out
    (None, "500–999 users: −10%", 0.0),
])
def test_a_units_organisation_size_fits_the_askers(size: int | None, unit: str, expected: float) -> None:
    assert sizes.fit(size, unit) == expected


def test_a_table_of_size_tiers_keeps_the_askers_row_and_the_rows_for_any_size() -> None:
    table = ("One-off fees: Implementation for up to 300 users: €4,900; Implementation for 301–1,000 users: €8,900; "
             "Over 1,000 users: quoted separately; Setting up a payroll connector: €1,500 per connector")
    assert sizes.narrowed(650, table) == ("One-off fees: Implementation for 301–1,000 users: €8,900; "
                                          "Setting up a payroll connector: €1,500 per connector")
    assert sizes.narrowed(None, table) == table
    # no row is a 40-person firm's: the whole table, not only the rows that say nothing of size
    assert sizes.narrowed(40, "500–999 users: −10%; 1,000 users or more: −15%") == \
        "500–999 users: −10%; 1,000 users or more: −15%"


@pytest.mark.parametrize(("question", "size"), [
    ("We are 220 people, what does implementation cost?", 220),
    ("Meillä on 1 500 työntekijää, paljonko käyttöönotto maksaa?", 1500),
    ("What is the implementation fee if we have more than 300 users?", None),  # a size asked about
    ("Meillä on 250 työntekijää, mutta kasvamme yli 400:aan.", None),  # and the one they grow to
    ("Our group has 1,200 staff, but only 280 users.", None),  # two sizes
])
def test_a_table_is_cut_to_the_askers_row_only_by_the_one_size_told(question: str, size: int | None) -> None:
    assert sizes.sole_headcount(question) == size


def test_the_askers_headcount_is_read_with_thousands_separators() -> None:
    assert sizes.headcount("Meillä on 2 400 työntekijää ja kolme toimipistettä") == 2400
    assert sizes.headcount("We are a 1,200-employee group") == 1200
    assert sizes.headcount("How much is HR Core for 12 months?") is None


@pytest.mark.parametrize(("question", "expected"), [
    ("Onko teillä valmis liittymä Visma Netvisoriin?", {"visma", "netvisoriin"}),
    ("Is Kaarna hosted on GCP?", {"kaarna", "gcp"}),
    ("Miten HR Core toimii? Entä Flow?", {"hr", "core", "flow"}),
    ("Do you have a mobile app?", set()),  # the first word of a sentence is not a name
    ("DO YOU HAVE AN API?", set()),  # written in capitals throughout: case says nothing
    ("Onko teillä Visma-integraatio?", {"visma"}),
    ("She starts Monday. Can Flow send the contract before that?", {"flow"}),  # days are capitalised anyway
])
def test_words_written_as_names(question: str, expected: set[str]) -> None:
    assert intent.proper_names(question) == expected


def test_how_many_asks_for_a_number() -> None:
    assert intent.wanted_shape("Montako liittymää teillä on valmiina?", "integration") == "count"


def test_a_part_of_a_compound_does_not_name_the_whole() -> None:
    from copilot.engines.composer.terms import named_in, vocabulary, words

    asked = words("rekrytointijärjestelmä", "fi")[0]
    assert not named_in(asked, vocabulary("Muihin järjestelmiin yhdistetään REST-rajapinnalla.", "fi"))
    assert named_in(asked, vocabulary("Rekrytointijärjestelmämme julkaisee ilmoitukset.", "fi"))
    assert named_in(words("integraatio", "fi")[0], vocabulary("Palkkaintegraatio siirtää tiedot.", "fi"))


@pytest.mark.parametrize(("question", "expected"), [
    ("Onko teillä oma rekrytointijärjestelmä?", True),
    ("Hei! Onko teillä oma rekrytointijärjestelmä?", True),
    ("Do you offer on-site training?", True),
    ("Onko Flow kallis?", False),
])
def test_a_question_whether_a_thing_exists(question: str, expected: bool) -> None:
    assert intent.asks_exists(question) is expected


def test_a_compound_is_found_by_its_head_not_by_a_part_in_its_middle() -> None:
    from copilot.engines.composer.terms import found, vocabulary, words

    chat = vocabulary("Keskustelut säilytetään 12 kuukautta.", "fi")
    assert not found(words("perehdytyskeskusteluohjelma", "fi")[0], chat)  # "keskustelu" only in its middle
    assert found(words("palkkaintegraatio", "fi")[0], vocabulary("Integraatio siirtää tiedot.", "fi"))


@pytest.mark.parametrize(("word", "lang", "expected"), [
    ("jotain", "fi", True), ("ollenkaan", "fi", True), ("actually", "en", True),
    ("allekirjoituspyyntöä", "fi", False), ("sftp", "en", False), ("2023", "fi", False),
])
def test_everyday_words_of_each_language(word: str, lang: str, expected: bool) -> None:
    from copilot.engines.composer.terms import everyday

    assert everyday(word, lang) is expected


@pytest.mark.parametrize(("question", "expected"), [
    ("Voisiko joku soittaa mulle huomenna?", "handoff"),
    ("Pyydän soittopyyntöä myyjältä", "handoff"),
    ("Could you ring me back after lunch?", "handoff"),
    ("Could a sales rep give me a call about pricing?", "handoff"),
    ("Can your sales team get in touch with us?", "handoff"),
    ("Can customers call the support desk?", None),  # nobody is asked to reach the asker
])
def test_asking_to_be_called_is_a_handoff(question: str, expected: str | None) -> None:
    lang = "fi" if question.startswith(("Voisiko", "Pyydän")) else "en"
    assert intent.classify(question, lang) == expected


@pytest.mark.parametrize(("spoken", "written"), [
    ("onks teillä joku tarkistuslista", "onko teillä joku tarkistuslista"),
    ("toimiiks se, löytyyks teiltä webhooks", "toimiiko se, löytyykö teiltä webhooks"),  # "webhooks" opens nothing
    ("kuinka nopeesti maksaa ittensä takas", "kuinka nopeasti maksaa itsensä takaisin"),
    ("sitoudutaan kolmeks vuodeks", "sitoudutaan kolmeksi vuodeksi"),
    ("montako tarvittais", "montako tarvittaisiin"),
    ("valmis ja kallis", "valmis ja kallis"),
    ("meil on 30 henkee", "meillä on 30 henkeä"),
    ("toimiiks se kännykällä", "toimiiko se puhelimella"),
    # speech drops letters: a pronoun's final -n, the -i- of -ainen, the -ä of a partitive after -i-
    ("onks teil mitää ilmasta", "onko teillä mitään ilmaista"),
    ("saisko sellasta", "saisiko sellaista"),
    ("meit on 40 tyyppii", "meitä on 40 tyyppiä"),
    ("mitä teit eilen", "mitä teit eilen"),  # "teit" is the past of "tehdä", not "teitä"
    # a participle's -t, a translative's -i; a case ending after a name's apostrophe is no word
    ("lähetin flow'sta allekirjotettavaks mut hän ei oo saanu mitään",
     "lähetin flow allekirjotettavaksi mutta hän ei ole saanut mitään"),
    ("voiko kattoa kännykästä, uus esimies näkee vieläki", "voiko katsoa puhelimesta, uusi esimies näkee vieläkin"),
])
def test_spoken_finnish_is_read_as_written(spoken: str, written: str) -> None:
    assert standard(spoken, "fi") == written
    assert standard("thanks, onks", "en") == "thanks, onks"  # only Finnish is rewritten


@pytest.mark.parametrize(("question", "shape"), [
    ("Mihin aikaan asiakastuki vastaa?", "hours"),
    ("What's the payback time in your example?", "duration"),
    ("Paljonko allekirjoitus nopeutui Kielossa?", "count"),
    ("Paljonko Insight maksaa?", None),  # a price: the intent's shape, not the question's own
    ("What results did the care home get?", "change"),
    ("Tulokas ei saanut allekirjoituspyyntöä, mitä teen?", None),  # a newcomer, not results
    ("Do employee benefits show on the payslip?", None),
])
def test_the_shape_a_question_asks_in_its_own_words(question: str, shape: str | None) -> None:
    assert intent.asked_shape(question) == shape


def test_a_finnish_compound_of_an_intent_word_marks_the_intent() -> None:
    assert intent.topic_intent("mihin aikaan asiakastuki vastaa?", "fi") == "support"
    assert intent.topic_intent("saadaanko lisäalennusta?", "fi") == "price"
    assert intent.topic_intent("Paljonko allekirjoitus nopeutui?", "fi") is None  # a change, not a price
    assert [w.raw for w in intent.counted("How many customers do you have?", "en")] == ["customers"]


def test_shouted_sentences_are_read_in_ordinary_case() -> None:
    from copilot.engines.composer.spoken import calm

    assert calm("EXPORT BUTTON GONE!! The HR Core export is missing.") == (
        "Export button gone!! The HR Core export is missing.")  # the acronym in an ordinary sentence stays
    assert calm("POISSAOLORAPORTTI ON TAAS PIELESSÄ") == "Poissaoloraportti on taas pielessä"


def test_an_everyday_word_is_not_read_as_a_typo_of_another() -> None:
    assert intent.topic_intent("how do I move her access when the team lead is changing?", "en") != "price"
    assert intent.topic_intent("insigth hinta", "fi") == "price"  # a real typo is still forgiven


def test_alternatives_are_read_both_ways_round() -> None:
    assert intent.either("Do you support SAML or OIDC?") == {("saml", "oidc"), ("oidc", "saml")}
    assert intent.either("Tukeeko Kaarna Sisua vai Tripletexiä?") >= {("tripletexia", "sisua")}
    assert intent.either("Can I export to Excel?") == frozenset()


@pytest.mark.parametrize(("word", "lang", "expected"), [
    ("ther", "en", True), ("wich", "en", True),
    ("aws", "en", False),  # three letters: one off "was", but a name as often as a slip
    ("scim", "en", False), ("saml", "en", False),
    ("there", "en", False), ("timer", "en", False),  # words of their own
    ("kylma", "fi", False),  # Finnish is read folded: "kylmä", not a slip for "kyllä"
])
def test_a_misspelt_little_word_is_known_as_one(word: str, lang: str, expected: bool) -> None:
    assert terms.little_typo(word, lang) is expected


@pytest.mark.parametrize(("question", "expected"), [
    ("We'd like to see a demo for our board next month.", "handoff"),
    ("Voisinko varata esittelyn ensi viikolle?", "handoff"),
    ("Who should we contact about a reseller deal?", "handoff"),
    ("Could you send me your security whitepaper?", "send"),
    ("Voitteko toimittaa meille ISO-sertifikaatin?", "send"),
    ("Does the demo environment cost anything?", None),  # asks about the trial, books nothing
    ("Could someone book a 30-minute demo with our HR director?", "handoff"),  # a hyphenated word between
    ("Haluaisimme sopia lyhyen etä-esittelyn.", "handoff"),
    ("We need a free-of-charge demo environment, is there a trial?", None),  # a thing to try, no meeting
    ("Haluaisimme järjestää oman sisäisen esittelyn.", None),  # their own presentation
    ("can someone walk me thru a demo next week?", "handoff"),
    ("haluttais demo koko hr-tiimille, kuka vois tulla näyttämään?", "handoff"),
    ("tarvittais tarjous 45 hengelle, kenelle tän voi laittaa", "handoff"),
    ("Who's your sales contact for our region?", "handoff"),
    ("moro", "greeting"),
    ("kiitti, tää riitti mulle! hyvää viikonloppua", "thanks"),
    ("cool, that's everything I needed. cheers!", "thanks"),
    ("Thanks! And how much is Flow?", None),  # thanks, then a question: the question is answered
    ("Kiitos, paljonko maksaa HR Core 50 hengelle", None),  # thanks, then a question without its mark
    ("thanks but that's not what I asked. I asked about SSO", None),
    ("Thanks - please have someone call me on 040 1234567", "handoff"),  # a person asked for, thanks or not
    ("Hyvää päivää, haluaisin tietää HR Coren hinnan 100 käyttäjälle.", None),
])
def test_a_meeting_or_a_document_asked_for_goes_to_a_person(question: str, expected: str | None) -> None:
    lang = "fi" if question.startswith(("Voisinko", "Voitteko", "Haluaisimme", "haluttais", "tarvittais", "moro",
                                        "kiitti", "Kiitos", "Hyvää")) else "en"
    assert intent.classify(question, lang) == expected


@pytest.mark.parametrize(("question", "lang"), [
    ("If our payroll transfer breaks on a Saturday night, does anyone at Kaarna actually pick up?", "en"),
    ("voiko teille soittaa viikonloppuna jos palkat ei mene läpi?", "fi"),
])
def test_whether_someone_helps_at_a_time_asks_about_support(question: str, lang: str) -> None:
    assert intent.topic_intent(question, lang) == "support"
    assert intent.off_hours(question)


def test_a_weekend_wished_is_no_support_question() -> None:
    assert intent.topic_intent("kiitti, tää riitti mulle! hyvää viikonloppua", "fi") != "support"


@pytest.mark.parametrize("question", ["Do payroll exports run overnight?", "Is the mobile app available on weekends?"])
def test_what_runs_out_of_hours_is_no_question_of_who_helps_then(question: str) -> None:
    assert not intent.off_hours(question)
    assert intent.topic_intent("Do payroll exports run overnight?", "en") != "support"


@pytest.mark.parametrize(("question", "lang", "expected"), [
    ("Meillä on paljon osa-aikaisia, miten heidän lomansa kirjataan?", "fi", None),  # "a lot", not "how much"
    ("Paljon se Flow maksaa?", "fi", "price"),  # spoken Finnish: "paljon" opening the question
    ("Our store managers approve shifts. How does leave approval work?", "en", None),  # a shop, not stored data
    ("Where is our data stored?", "en", "security"),
])
def test_a_word_that_only_stems_like_an_intent_word_marks_no_intent(question: str, lang: str,
                                                                      expected: str | None) -> None:
    assert intent.topic_intent(question, lang) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("Is there a free trial, and how long does implementation take?",
     ["Is there a free trial?", "how long does implementation take?"]),
    ("We have 80 staff. Mikä on hinta? Entä kuinka kauan käyttöönotto kestää?",
     ["We have 80 staff. Mikä on hinta?", "We have 80 staff. Entä kuinka kauan käyttöönotto kestää?"]),
    ("What do Plus and Enterprise cost, and how fast do they respond?",  # "they" leans on the first part
     ["What do Plus and Enterprise cost, and how fast do they respond?"]),
    ("Does the price include VAT?", ["Does the price include VAT?"]),
    # a question word alone asks more of the question before it
    ("Saammeko alennusta kolmen vuoden sopimuksesta? Kuinka paljon?",
     ["Saammeko alennusta kolmen vuoden sopimuksesta? Kuinka paljon?"]),
    ("Is there a discount for a longer contract? And how much?",
     ["Is there a discount for a longer contract? And how much?"]),
    ("Saako alennusta pidemmästä sopimuksesta? Jos saa, niin paljonko?",
     ["Saako alennusta pidemmästä sopimuksesta? Jos saa, niin paljonko?"]),
    ("Is support open on Saturdays? What time?", ["Is support open on Saturdays? What time?"]),
    ("Saako volyymialennusta? Montako prosenttia?", ["Saako volyymialennusta? Montako prosenttia?"]),
])
def test_a_message_with_two_questions_is_read_as_two(question: str, expected: list[str]) -> None:
    assert intent.parts(question) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("Is there a discount for schools?", False),  # "there" only says something exists
    ("We use Sisu. Does data flow there automatically?", True),
])
def test_there_points_back_only_at_a_place_told_before(question: str, expected: bool) -> None:
    assert intent.points_back(question) is expected


@pytest.mark.parametrize(("word", "expected"), [
    ("realistically", True), ("roughly", True), ("easily", True), ("supply", False), ("family", False),
])
def test_an_adverb_of_manner_is_how_a_visitor_asks(word: str, expected: bool) -> None:
    assert terms.manner(word, "en") is expected


def test_a_phrase_the_content_may_use_instead_is_found_only_whole() -> None:
    assert "data process agreement" in intent.alternatives(terms.terms("dpa", "en")[0])


def test_a_quotation_stays_one_unit_and_a_stray_mark_does_not_swallow_the_passage() -> None:
    quoted = '"We thought it was about pay. The data showed it was predictability," says Jukka. Read more here.'
    assert answer_units(quoted) == ['"We thought it was about pay. The data showed it was predictability," says Jukka.',
                                    "Read more here."]
    stray = 'A 24" screen is enough. ' + " ".join(f"Sentence number {i} stands alone." for i in range(30))
    units = answer_units(stray)
    assert len(units) > 5 and units[-1] == "Sentence number 29 stands alone." and len(units[0]) < 450
    # past the cap a closing mark does not start a quotation of its own
    quoted = " ".join(f"Quoted part {i} goes on." for i in range(25))
    long_quote = f'"{quoted}" she says. The narration goes on. It ends here.'
    assert answer_units(long_quote)[-2:] == ["The narration goes on.", "It ends here."]


def test_of_several_worked_examples_the_one_nearest_the_askers_size_is_chosen() -> None:
    examples = {"a": "ROI example: HR admin time in a 300-employee company", "b": "A company of 400 employees.",
                "c": "An 800-employee retail chain"}
    assert sizes.closest(300, examples) == {"a"}
    assert sizes.closest(1200, examples) == {"c"}
    assert sizes.closest(None, examples) == set() and sizes.closest(300, {"x": "no size told"}) == set()


@pytest.mark.parametrize(("question", "thing"), [("is there a free trial? how long does it last", "trial"),
                                                 ("Onko teillä ilmainen kokeilu?", "kokeilu"),
                                                 ("Is there an API?", "api")])
def test_the_thing_whose_existence_is_asked_is_not_the_word_that_qualifies_it(question: str, thing: str) -> None:
    assert intent.existing_thing(question) == thing


@pytest.mark.parametrize(("question", "expected"), [
    # the asker is a customer: customers told of are not what is asked
    ("I'm an HR partner at one of your customers. How do I get the turnover report out to Excel?", None),
    # what is asked leans on the customer told of: it asks about that customer
    ("I heard you have a customer in finance with 250 people. What happened to their turnover?", "references"),
    # what is asked marks no intent of its own: the story's (a price) decides
    ("Kysyn hintaa 600 hengen organisaatiolle. Saako isosta määrästä jotain hyvitystä?", "price"),
])
def test_customers_the_asker_tells_of_make_a_reference_question_only_when_asked_about(question: str,
                                                                                      expected: str | None) -> None:
    lang = "fi" if "hintaa" in question else "en"
    assert intent.topic_intent(question, lang) == expected


@pytest.mark.parametrize("text", ["how fast does it pay back?", "When do we break even?",
                                  "maksaako se ittensä takaisin", "the investment pays for itself in 9.4 months",
                                  "would Kaarna actually pay off for us?", "does it really pay off?"])
def test_payback_is_read_however_it_is_put(text: str) -> None:
    assert intent.payback(text)


@pytest.mark.parametrize("text", ["Can we pay monthly?", "Can you pay back the overcharge?",
                                  "When will you pay it back?", "We paid off the invoice yesterday.",
                                  "Can we pay off the implementation fee monthly?",
                                  "Is the implementation fee paid off in one go or in instalments?"])
def test_a_refund_or_a_payment_is_no_payback(text: str) -> None:
    assert not intent.payback(text)


def test_a_calculation_is_the_worked_example_of_a_payback_question_but_marks_no_roi_by_itself() -> None:
    assert intent.topic_intent("Onko teillä laskelmia takaisinmaksuajasta?", "fi") == "roi"
    assert "laskelmia" in intent.own_words("roi")
    for question, lang in (("Missä näen lomarahan laskelman?", "fi"), ("Can I export the overtime calculation?", "en"),
                           ("miten pitkältä ajalta lähtijät lasketaan", "fi")):
        assert intent.topic_intent(question, lang) != "roi", question


def test_a_verdict_a_result_and_a_duration_are_what_they_say() -> None:
    from copilot.engines.composer.answer import RESULT, SHAPES, VERDICT
    assert VERDICT.match("No, because both rely on HR Core.") and VERDICT.match("Ei voi, sillä molemmat…")
    assert not VERDICT.match("No-code builders are not supported.") and not VERDICT.match("Ei-toivotut viestit…")
    assert RESULT.search("Early turnover fell from 41% to 29%.")
    assert RESULT.search("Valmiina 97 prosentilla, kun aiemmin osuus oli 58 prosenttia.")
    assert not RESULT.search("Previously they had 3 HR tools.")
    assert not RESULT.search("300 employees from 12 countries.")
    assert SHAPES["duration"].search("a free 30-day test environment")
    assert not SHAPES["duration"].search("Windows 11-päivitys")


@pytest.mark.parametrize(("word", "text"), [
    ("järjestöille", "Muihin järjestelmiin yhdistetään REST-rajapinnalla."),  # an organisation is no system
    ("yhdistykset", "Muihin järjestelmiin yhdistetään REST-rajapinnalla."),  # an association is not connected
])
def test_a_word_that_only_starts_like_another_is_not_found_in_it(word: str, text: str) -> None:
    assert not terms.found(word, terms.vocabulary(text, "fi"))


def test_a_server_is_not_a_service() -> None:
    # "palvelimet" and "palvelee" share six letters: the support hours are not where the servers are
    assert not terms.same("palvelim", "palvel")
    assert not terms.found("palvelimet", terms.vocabulary("Tuki palvelee arkisin.", "fi"))
    assert terms.found("palvelimet", terms.vocabulary("Palvelimemme ovat Suomessa.", "fi"))
    assert terms.found("palvelimet", terms.vocabulary("Tiedot ovat pilvipalvelimilla.", "fi"))


def test_how_big_a_change_is_asked_for_as_a_number_before_a_payback_time() -> None:
    assert intent.asked_shape("By how much must turnover fall before it pays for itself?") == "count"
    assert intent.asked_shape("How fast does it pay for itself?") == "duration"
    assert intent.asked_shape("How much lower would turnover need to be to cover the cost?") == "count"
    # a size condition is no change: these ask a price
    assert intent.asked_shape("How much is Kaarna for a team of fewer than 10 people?") is None
    assert intent.topic_intent("How much is Kaarna for a team of fewer than 10 people?", "en") == "price"
    assert intent.asked_shape("Paljonko laskua tulee kuukaudessa 50 käyttäjällä?") is None
    # "laskea" is also to count: "how are users counted" asks no change
    assert intent.asked_shape("Miten käyttäjät pitää laskea, jos osa on kausityöntekijöitä?") is None
    # "how far" asks the size of a fall, and so does "pudota" after "kuinka paljon"
    assert intent.asks_change("How far must turnover fall for it to pay back?")
    assert intent.asks_change("Kuinka paljon vaihtuvuuden pitäisi pudota, jotta se maksaa itsensä takaisin?")
    assert not intent.asks_change("How far is your office from the station?")


def test_a_share_in_per_cent_is_asked_in_so_many_words() -> None:
    assert intent.asked_shape("What uptime % is guaranteed on Plus?") == "percent"
    assert intent.asked_shape("Mikä käytettävyysprosentti luvataan?") == "percent"
    assert intent.asked_shape("What does the Plus plan include?") is None


@pytest.mark.parametrize(("question", "fact"), [
    ("How long has Kaarna been around?", True),
    ("Montako asiakasta teillä on Suomessa?", True),
    ("How many people work at your company?", True),
    ("Mikä on Kaarnan liikevaihto?", True),
    ("How many employees can use Kaarna?", False),  # a limit of the product, not the company's staff
    ("Montako käyttäjää teillä voi olla?", False),
    ("How many employees work in our customer service team?", False),  # the asker's own people
    ("Kuinka monta asiakasta yksi myyjämme voi nähdä?", False),
])
def test_a_fact_of_the_vendor_as_a_company(question: str, fact: bool) -> None:
    assert bool(answer.COMPANY_FACT.search(question)) == fact


def test_when_asks_for_a_moment_unless_the_intent_says_more() -> None:
    assert intent.wanted_shape("When do a leaver's accounts get closed?", None) == "moment"
    assert intent.wanted_shape("Milloin lähtevän tunnukset suljetaan?", None) == "moment"
    assert intent.wanted_shape("When is your support open?", "support") == "hours"  # the intent's own shape
    assert intent.wanted_shape("Is it closed when they leave?", None) is None  # a yes or no
    assert intent.wanted_shape("What happens when a supervisor leaves?", None) is None  # a when inside


def test_a_question_joined_on_with_and_is_still_a_yes_or_no() -> None:
    assert intent.yes_no("ja maksaako jokainen allekirjoitus erikseen?")
    assert intent.yes_no("And is support included?")
    assert not intent.yes_no("Entä taulukko, mistä sen saa?")  # a thing named, not a verb asked
    # the clause after a lead-in asks: "Quick question: do admins cost extra?", "…too - is that a paid seat?"
    assert intent.yes_no("Quick licence question: do our admins cost extra?")
    # after a comma: "40 kesätyöntekijää, pitääkö niistä maksaa…" (what is told before the comma has no mark)
    assert intent.yes_no("meillä on n. 40 kesätyöntekijää, pitääkö niistä maksaa koko vuodelta?")
    assert intent.yes_no("When a user leaves mid-month, do we still pay for them?")
    assert intent.yes_no("Our accountant needs a login too - is that another paid seat?")
    assert not intent.yes_no("Quick question: how much is Flow?")
    # the clause that asks last is the question: a name or a wondering before it is not
    assert not intent.yes_no("meillä on 40 kesätyöntekijää, paljonko niistä pitää maksaa?")
    assert not intent.yes_no("Moi, Mikko täällä, paljonko Flow maksaa 50 hengelle?")
    assert not intent.yes_no("Mietimme, kannattaako Insight, paljonko se maksaisi 80 hengelle?")


@pytest.mark.parametrize(("question", "shape"), [
    ("How many fewer leavers before HR Core and Insight pay for themselves?", "count"),
    ("Montako lähtijää vähemmän vuodessa tarvitaan, että se maksaa itsensä takaisin?", "count"),
    ("How many months until it pays for itself?", "duration"),  # a number of months is the payback time
    ("Kuinka monta kuukautta menee, ennen kuin se maksaa itsensä takaisin?", "duration"),
    ("When was Kaarna founded?", "year"),
    ("Kuinka suuren hyvityksen saamme, jos käytettävyys jää alle 99,9 %?", "count"),
])
def test_how_many_asks_a_number_even_of_a_payback(question: str, shape: str) -> None:
    assert intent.asked_shape(question) == shape


@pytest.mark.parametrize(("question", "shape"), [
    ("How much time will you need from our IT department?", "effort"),
    ("Kuinka paljon aikaa tarvitsette meidän IT-osastolta käyttöönotossa?", "effort"),
    ("Paljonko meiltä tarvitaan työtä käyttöönotossa?", "effort"),
])
def test_the_work_asked_of_the_customer_is_effort(question: str, shape: str) -> None:
    assert intent.asked_shape(question) == shape


@pytest.mark.parametrize("question", ["How much time would we save from our monthly payroll run?",  # a saving
                                      "How much time does it take from our order to go-live?"])  # a duration
def test_time_saved_or_elapsed_is_no_effort(question: str) -> None:
    assert intent.asked_shape(question) != "effort"


@pytest.mark.parametrize(("question", "pays_back"), [
    ("When would HR Core and Flow have paid for themselves?", True),
    ("How long before the investment has paid back?", True),
    ("When does it pay off?", True),
    ("Do employees pay for themselves when they order the mobile app?", False),
    ("Can contractors pay for themselves or is it always the company?", False),
])
def test_a_payback_is_the_products_not_a_persons(question: str, pays_back: bool) -> None:
    assert intent.payback(question) is pays_back


def test_given_names_are_listed_folded_and_words_are_not() -> None:
    assert {"maria", "paivi", "liisa", "tom"} <= terms.given_names()
    assert not {"flow", "insight", "core", "plus", "teams", "elisa", "visa", "iris", "aino"} & terms.given_names()


def test_no_synonym_is_listed_twice() -> None:
    # YAML keeps the last of two equal keys: a second entry silently drops the first one's words
    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(k) for k, _ in node.value]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(intent.LEXICON.read_text(encoding="utf-8"), Loader=Strict)  # a SafeLoader with one check more


def test_a_word_that_only_counts_as_a_match_is_not_searched_for() -> None:
    # "Contract not signed" speaks of the e-signature guide's "signature" ...
    (signed,) = terms.terms("signed", "en")
    assert any(alt.startswith("signatur") for alt in intent.alternatives(signed))
    # ... but "e-sign stuff" in a price question does not search for the e-signature page
    assert "signature" not in intent.focus_query("Is there a package deal for HR, analytics and e-sign stuff?", "en")


def test_it_in_capitals_is_the_department_not_the_pronoun() -> None:
    from copilot.engines.composer.terms import key_terms

    assert "ict" in {w.raw for w in key_terms("How much time will our IT department need?", "en")}
    assert "ict" not in {w.raw for w in key_terms("How long does it take?", "en")}
