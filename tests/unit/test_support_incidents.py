"""Which tickets no help article fixes, by kind: the reply names the kind, so a wrong kind is a wrong
sentence in front of the customer."""

from __future__ import annotations

import pytest

from copilot.tasks.reply import incident


@pytest.mark.parametrize(("text", "kind"), [
    ("A former employee wants all of his personal data deleted.", "erasure"),
    ("Request under GDPR Article 15 for all data we hold about her.", "data_copy"),
    ("Kaarna ei aukea kenellekään, selain näyttää 502 Bad Gateway.", "outage"),
    ("We will terminate our contract with you at the end of the year.", "termination"),
    ("Maksoimme laskun vahingossa kahdesti.", "refund"),
    ("We suspect unauthorised access to salary data by a former manager.", "breach"),
    ("Noin 40 työntekijän lomasaldo on Kaarnassa 2–3 päivää pienempi kuin TES:n mukaan pitäisi.", "miscalculation"),
    ("For May Kaarna shows 1.5 days accrued, but the holiday calculation is wrong under our agreement.",
     "miscalculation"),
    ("Lomapäivät lasketaan väärin osa-aikaisille.", "miscalculation"),
    ("Poistin eilen vahingossa kolmen työntekijän henkilökortit. Saako ne palautettua?", "recovery"),
    ("Saako poistetut työsuhteet palautettua varmuuskopiosta?", "recovery"),
    ("I accidentally deleted two employee records this morning.", "recovery"),
    ("Two employee records were removed by accident.", "recovery"),
    ("How do I restore a deleted absence entry?", "recovery"),
    ("Miten palautan poistetun poissaolomerkinnän?", "recovery"),
    # backups asked about are the security FAQ's; rights given again are the rights guide's
    ("Onko tiedoista varmuuskopiot, ja kuinka kauan niitä säilytetään?", None),
    ("Otatteko varmuuskopioita, ja voiko tiedot palauttaa tarvittaessa?", None),
    ("What is your disaster recovery plan, and how often are backups tested?", None),
    ("How fast can you restore data from backups?", None),
    ("Poistin vahingossa käyttäjän oikeudet, miten ne annetaan uudelleen?", None),
    ("I mistakenly deleted a user's admin rights.", None),
    ("Lokakuun palkkalaskelmat eivät näy sovelluksessa.", None),  # not shown is no crash
    ("Users get an 'Unauthorized access' error when they log in.", None),  # a sign-in error's text
    # HR's own daily work, not a contract with us ended
    ("We terminated the contract of an employee last week and she still sees her payslips.", None),
    ("Irtisanoimme työntekijän sopimuksen, mutta hän näkyy yhä raportissa.", None),
    # a planned break is answered by the support FAQ; "GDPR, 15 of our staff" is no article 15
    ("Milloin on seuraava suunniteltu käyttökatko?", None),
    ("Regarding GDPR, 15 of our staff cannot log in.", None),
    ("He wants this absence deleted from the report.", None),
    # an invoice that counts more users than expected has its own guide
    ("Laskulla on enemmän käyttäjiä kuin meillä on työntekijöitä.", None),
    ("The absence report shows last week's balance.", None),
    ("My holiday request went wrong and needs approval again.", None),
    # an invoice or a payroll transfer has its own guide; a balance the customer mis-entered is theirs
    ("Laskun käyttäjämäärä on laskettu väärin, meillä on vain 190 työntekijää.", None),
    ("Our accrued holiday pay is wrong in the payroll transfer.", None),
    ("Lomasaldo on pienempi kuin odotin, koska unohdin kirjata loman.", None),
    ("Cancel our contract immediately and tell me how we get our data out.", "termination"),
    ("We will not continue when our contract period ends; please confirm the termination in writing.",
     "termination"),
    ("Haluamme lopettaa asiakkuuden vuoden lopussa.", "termination"),
    ("Entinen työntekijämme vaatii, että kaikki hänen tietonsa poistetaan.", "erasure"),
    ("The invoice charges the old plan. We want a credit note.", "refund"),
    ("How do I cancel a leave request I sent by mistake?", None),  # HR's own request, not the contract
    ("Noin 60 osa-aikaisen lomasaldot ovat tuplaantuneet päivityksen jälkeen.", "miscalculation"),
    ("URGENT - Kaarna down for everyone, everybody gets a 503 error.", "outage"),
    ("Saimme laskun kahteen kertaan ja ostoreskontra ehti maksaa molemmat.", "refund"),
    ("We paid for 600 users and are now 420. We want the count reduced and a credit for the difference.", "refund"),
    ("Poissaoloraportissa näkyy samat sairauspoissaolot kahteen kertaan.", "duplicates"),
    ("Some absences appear twice in the monthly report.", "duplicates"),
    ("Miten poissaolot merkitään kahdesti viikossa tehtävään raporttiin?", None),  # a how-to, nothing duplicated
    ("Haluan lisätä merkinnän kahdesti viikossa toistuvasta tapahtumasta.", None),
    ("How do I give an employee a credit for extra hours worked on Sunday?", None),  # time off in lieu, no money
    ("Can we terminate early, or transfer the contract to our new parent company?", "termination"),
    ("Työntekijä näkee sovelluksessa toisen henkilön palkkalaskelman.", "breach"),
    ("My colleague's app is showing a colleague's payslip instead of her own.", "breach"),
    ("Esihenkilö ei näe toisen tiimin poissaoloja.", None),  # a view to set up, nobody's data leaked
    ("Palkkakuitilla näkyy toisen työntekijän nimi!", "breach"),
    # how-tos and other senses of the same words
    ("Palkanlaskija näkee toisen henkilön palkkatiedot, miten rajaan oikeudet?", None),
    ("How do I drill down for allowances in the monthly absence report?", None),
    ("How do I configure the Netvisor integration to retry when it gets a 503 error?", None),
    ("Miten voin hyvittää työntekijälle ylityöt vapaana?", None),
    ("Maksammeko molemmat lisät, jos työvuoro on sunnuntaina ja yöllä?", None),
    ("How do I terminate early a probationary employee?", None),
    ("Lomapäivät-raportin sarakkeet ovat sekaisin Excelissä.", None),
    # records that came twice: a data fault, however close the rights or import texts read
    ("Yöllisen siirron jälkeen noin 40 työntekijää näkyy kahteen kertaan.", "duplicates"),
    ("After Monday's import we have duplicate employees in three teams.", "duplicates"),
    ("Some employees appear twice in the org chart since the sync.", "duplicates"),
    ("Employee record shows twice in the team view.", "duplicates"),
    ("We need to downgrade from Complete to HR Core before the term ends.", "contract_change"),
    ("After budget cuts we want to drop Insight and keep only HR Core.", "contract_change"),
    ("Haluaisimme luopua Flow'sta kesken sopimuskauden.", "contract_change"),
    ("We sell a business unit. Who can I talk to about changing the contract?", "contract_change"),
    ("Haluamme muuttaa työsopimusta sijaisen osalta.", None),  # an employee's contract is HR's own work
    ("Kaarna ei aukea ollenkaan, tulee vaan virhe 503.", "outage"),
    ("Saan virheilmoituksen: 504 Gateway Timeout, kenellekään ei aukea.", "outage"),
    ("Can we reduce the number of users at renewal or only mid-term?", None),  # the pricing FAQ answers it
    # a signing flow, a module in one user's view, a contract document or an employee's contract: HR's own work
    ("How do I cancel the flow I started for a new hire by mistake?", None),
    ("How do I drop a module from a user's view? They don't need Flow.", None),
    ("How do I change the contract's signing order in Flow?", None),
    ("Changing the contract template for new hires, where do I upload it?", None),
    ("We are changing the contract type of an employee from fixed-term to permanent.", None),
    ("Sairausloma jäi kesken kauden, miten kirjaan loppuosan?", None),
    ("Irrottaisin Flow-moduulin integraation palkanlaskennasta hetkeksi, miten?", None),
    # one person's server error while the others work is no outage
    ("Kun avaan raportin tulee error 502, muilla toimii.", None),
    ("Error 503 on the SSO page only for me, colleagues are fine.", None),
    ("We'd like to add Flow mid-contract. From when is it billed?", None),
    # a document, a step or a question twice, no record
    ("The invoice was sent to us twice.", None),
    ("Lomapyyntö pitää hyväksyä kahteen kertaan.", None),
    ("Työntekijät joutuvat syöttämään salasanan kahteen kertaan.", None),
    ("Työntekijä sai allekirjoituspyynnön kahteen kertaan.", None),
    ("The reminder email was sent to employees twice.", None),
    ("How do I avoid duplicate rows when I export to Excel?", None),
    ("Kaksoiskappale sopimuksesta tarvittaisiin arkistoon.", None),
])
def test_the_kind_of_ticket_no_article_fixes(text: str, kind: str | None) -> None:
    assert incident(text) == kind
