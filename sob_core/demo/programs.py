"""Demo programmes for `sob demo`: "Sömnbehandling" (insomnia, CBT-I) and a patient education.

The Swedish texts are written for this project. Only instruments whose texts may ship are used:
the sleep diary (our own sleep-efficiency scale) and, where a licensed text pack has made the
``isi`` form exist, the Insomnia Severity Index.

Unlock rules of Sömnbehandling: module 1 opens at start; modules 2-7 open when the previous one
is done (``after_previous``), because each builds on the one before (the sleep window of module 3
is computed from the diary of module 2) and a citizen who needs an extra week should not find two
new modules waiting; module 8, the booster and maintenance plan, is opened by the therapist
(``by_therapist``) when it is time for the follow-up, often a few weeks after module 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .. import enrollments, forms, programs
from ..extensions import db
from ..identity import personnummer
from ..models import (
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    Form,
    FormAssignment,
    FormResponse,
    FormVersion,
    ItemProgress,
    Program,
    ProgramVersion,
    Staff,
)

# --- building blocks ---------------------------------------------------------------------------


def _text(key: str, title: str, body: str) -> dict[str, Any]:
    return {"key": key, "kind": "text", "title": title, "body": body.strip()}


def _form(key: str, title: str, form_key: str) -> dict[str, Any]:
    # No form_version: publishing pins each form item to its form's latest version.
    return {"key": key, "kind": "form", "title": title, "form_key": form_key}


def _module(
    key: str,
    title: str,
    unlock: str,
    items: list[dict[str, Any]],
    *,
    recommended_days: int = 7,
) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "recommended_days": recommended_days,
        "unlock": {"rule": unlock},
        "items": items,
    }


SLEEP_DIARY_TITLE = "Sömndagbok – nattens sömneffektivitet"

# --- Sömnbehandling: module 1 ------------------------------------------------------------------

M1_WELCOME = """
<p>Är det här första gången du går en behandling på internet? Då undrar du säkert hur det
fungerar och vad som förväntas av dig. Här får du en kort genomgång. Och kom ihåg: du kan alltid
skicka ett meddelande till din behandlare om något känns oklart.</p>
<p>Att sova dåligt under lång tid sliter på både kroppen och humöret. Många som söker hjälp har
kämpat med sömnen i månader, ibland i flera år, och har redan prövat mycket på egen hand. Den här
behandlingen bygger på kognitiv beteendeterapi vid sömnsvårigheter, KBT-I. Det är den behandling
som rekommenderas i första hand vid långvarig sömnlöshet (insomni).</p>
<h2>Vad du kan vänta dig</h2>
<ul>
<li>Du får kunskap om hur sömnen fungerar och om vad som gör att sömnproblem hänger kvar.</li>
<li>Du prövar konkreta metoder hemma, vecka för vecka.</li>
<li>Du för en sömndagbok, så att du och din behandlare kan se hur det går.</li>
</ul>
<p>Behandlingen kräver en del arbete, och vissa veckor kan kännas jobbiga. Men många som gör den
sover både längre och bättre efteråt, och oroar sig mindre för sömnen.</p>
"""

M1_SLEEP = """
<p>Sömnen styrs framför allt av två system som samarbetar: <strong>sömntrycket</strong> och
<strong>dygnsrytmen</strong>.</p>
<h2>Sömntrycket</h2>
<p>Ju längre du är vaken, desto större blir kroppens behov av sömn. Det liknar en hunger efter
sömn som växer under dagen och stillas när du sover. Sover du middag, slumrar framför tv:n eller
ligger kvar länge i sängen på morgonen, minskar sömntrycket. Då blir det svårare att somna på
kvällen.</p>
<h2>Dygnsrytmen</h2>
<p>Kroppen har en inre klocka som ungefär följer dygnets 24 timmar. Den styr när du känner dig
pigg och när du blir sömnig. Klockan ställs främst av dagsljuset och av när du stiger upp. En fast
tid att stiga upp, också på helgen, hjälper den att hålla takten.</p>
<h2>Sömnens olika stadier</h2>
<p>Under natten går du igenom flera cykler av lätt sömn, djupsömn och drömsömn. Det är helt
normalt att vakna en kort stund några gånger per natt, och oftast minns man det inte ens. Med
åren blir sömnen ofta lättare och mer uppbruten, utan att något är fel.</p>
<h2>Varför hänger sömnproblemen kvar?</h2>
<p>Sömnproblem börjar ofta under en period av stress, sjukdom eller stora förändringar. Att de
sedan består beror för det mesta på sådant vi gör för att orka med sömnbristen. Det är fullt
begripligt, men det gör ofta problemet värre:</p>
<ul>
<li>att gå och lägga sig tidigare eller ligga kvar längre för att ta igen förlorad sömn</li>
<li>att vila eller sova en stund på dagen</li>
<li>att ligga vaken länge i sängen och grubbla, så att sängen börjar höra ihop med vakenhet och
oro</li>
<li>att oroa sig för hur morgondagen ska bli om man inte somnar snart</li>
</ul>
<p>Tillsammans gör det att sömntrycket sjunker, dygnsrytmen blir oregelbunden och spänningen vid
läggdags ökar. Behandlingen går ut på att bryta de här mönstren, ett i taget.</p>
"""

M1_HOW = """
<p>Behandlingen består av åtta moduler och tar ungefär åtta veckor. Varje modul är tänkt att ta
omkring en vecka. Nästa modul öppnas när du är klar med den du arbetar med.</p>
<ol>
<li><strong>Läs</strong> texterna i modulen. Börja alltid med texterna innan du fyller i
formulären.</li>
<li><strong>Gör</strong> veckans uppgifter hemma. Det är när du prövar i vardagen som förändringen
sker.</li>
<li><strong>Fyll i</strong> sömndagboken varje morgon.</li>
<li><strong>Berätta</strong> för din behandlare hur det går. Din behandlare läser dina svar och
ger dig återkoppling.</li>
</ol>
<p>Räkna med ungefär en halvtimme i veckan för texterna och några minuter varje morgon för
dagboken. Vid varje modul står det <em>Bör vara klar</em> med ett datum. Det är ett förslag, inte
ett krav: behöver du mer tid går det bra.</p>
<p>Behandlingen är inte till för akuta lägen. Mår du mycket dåligt eller har tankar på att skada
dig själv ska du inte vänta på svar här. Ring 1177 för sjukvårdsrådgivning, eller 112 vid akut
fara.</p>
"""

M1_TASKS = """
<ul>
<li>Läs texterna i den här modulen.</li>
<li>Börja föra sömndagboken i morgon bitti, och fyll sedan i den varje morgon.</li>
<li>Fundera på vad du vill uppnå med behandlingen. Skriv gärna ner det och berätta för din
behandlare.</li>
<li>Sov som du brukar den här veckan. Dina vanor börjar du ändra i modul 3.</li>
</ul>
"""

# --- Sömnbehandling: module 2 ------------------------------------------------------------------

M2_WHY = """
<p>Hur vi minns våra nätter stämmer ofta dåligt med hur de faktiskt var. En riktigt dålig natt
fastnar i minnet, medan de hyggliga nätterna glöms bort. Sömndagboken ger dig och din behandlare
en bild av din sömn som bygger på vad som hänt, inte bara på hur det känns.</p>
<p>Dagboken är också grunden för nästa steg: i modul 3 räknar du ut ditt sömnfönster med hjälp av
den. Därför är det viktigt att du fyller i den varje dag.</p>
"""

M2_HOW = """
<ul>
<li>Fyll i dagboken på morgonen, inom en timme efter att du har stigit upp, medan natten finns
kvar i minnet.</li>
<li>Uppskatta tiderna. Du behöver inte titta på klockan under natten. Tvärtom: att kolla klockan
när man ligger vaken gör det ofta svårare att somna om.</li>
<li>Med <em>tid i sängen</em> menas hela tiden från det att du lade dig för att sova tills du
steg upp, också den tid du låg vaken.</li>
<li>Med <em>total sömntid</em> menas hur länge du sov sammanlagt, när vakentiden har räknats
bort.</li>
<li>Har du glömt en morgon hoppar du över den natten och fortsätter nästa dag. Försök inte minnas
nätter som ligger flera dagar bakåt.</li>
</ul>
"""

M2_EFFICIENCY = """
<p>Sömneffektiviteten visar hur stor del av tiden i sängen du faktiskt sover. Den räknas ut
så här:</p>
<p><strong>sömneffektivitet = total sömntid ÷ tid i sängen × 100</strong></p>
<p>Ett exempel: Karin låg i sängen från klockan 22.30 till 07.00, alltså 8 timmar och 30 minuter
(510 minuter). Hon uppskattar att hon sov 6 timmar (360 minuter). Hennes sömneffektivitet den
natten blev 360 ÷ 510 × 100 = 71 procent.</p>
<p>Den som sover gott har oftast en sömneffektivitet på 85 procent eller mer, och 85 procent är
ett vanligt mål i behandlingen. Många med sömnsvårigheter ligger betydligt lägre, och det är just
det som behandlingen arbetar med.</p>
<p>Du behöver inte räkna själv. När du skickar in dagboken räknas värdet ut åt dig.</p>
"""

M2_CHART = """
<p>Under <strong>Resultat</strong> ser du din sömneffektivitet natt för natt, både i ett diagram
och i en tabell. Tänk på det här när du tittar:</p>
<ul>
<li>Enskilda nätter skiljer sig mycket åt. Titta på hela veckan i stället för att fastna på en
dålig natt.</li>
<li>Värdet ligger alltid mellan 0 och 100. Ser du något annat har det blivit fel, till exempel om
sömntiden är längre än tiden i sängen. Kontrollera då siffrorna.</li>
<li>En stigande kurva betyder att en allt större del av tiden i sängen går åt till sömn.</li>
</ul>
"""

M2_TASKS = """
<ul>
<li>Fyll i sömndagboken varje morgon hela veckan.</li>
<li>Titta på diagrammet i slutet av veckan. Hur hög var din sömneffektivitet i genomsnitt?</li>
<li>Räkna ut ungefär hur många timmar du sov per natt i genomsnitt. Det behöver du i nästa
modul.</li>
</ul>
"""

# --- Sömnbehandling: module 3 ------------------------------------------------------------------

M3_WHY = """
<p>Sömnrestriktion kan låta bakvänt: om man sover för lite, varför ska man då ligga kortare tid i
sängen? Ändå är metoden en av de mest verksamma delarna i behandlingen av sömnlöshet.</p>
<p>Tanken är att tiden du tillbringar i sängen ska motsvara den tid du faktiskt sover. När du under
en period kortar tiden i sängen ökar sömntrycket. Du somnar fortare, vaknar mer sällan och sömnen
blir djupare och mer sammanhängande. Sängen börjar åter höra ihop med sömn i stället för med vakna
timmar. När sömnen har stabiliserat sig förlänger du tiden i sängen steg för steg.</p>
"""

M3_SAFETY = """
<p>Sömnrestriktion gör dig tröttare de första veckorna. Därför passar metoden inte alla.
<strong>Prata med din behandlare innan du börjar</strong> om något av det här gäller dig:</p>
<ul>
<li>Du kör bil, buss, lastbil eller andra fordon i ditt arbete, eller sköter maskiner där trötthet
kan orsaka olyckor.</li>
<li>Du har bipolär sjukdom. Mindre sömn kan utlösa ett maniskt skov.</li>
<li>Du har epilepsi. Sömnbrist kan öka risken för anfall.</li>
<li>Du är gravid, har en annan allvarlig sjukdom, eller snarkar kraftigt med andningsuppehåll
(det kan vara sömnapné).</li>
</ul>
<p>Var försiktig i trafiken och med andra riskfyllda sysslor de dagar du är mycket trött. Kör
inte bil om du känner dig sömnig.</p>
"""

M3_WINDOW = """
<p>Ditt <strong>sömnfönster</strong> är den tid du tillåter dig att ligga i sängen varje natt. Du
räknar ut det med hjälp av sömndagboken från de senaste en till två veckorna.</p>
<ol>
<li><strong>Ta fram din genomsnittliga sömntid.</strong> Lägg ihop den totala sömntiden för alla
nätter i dagboken och dela med antalet nätter.</li>
<li><strong>Gör sömnfönstret lika långt som den genomsnittliga sömntiden</strong>, men aldrig
kortare än 5 timmar, även om du sover mindre än så.</li>
<li><strong>Välj en fast tid att stiga upp</strong> som fungerar alla dagar i veckan, också på
helgen.</li>
<li><strong>Räkna bakåt</strong> från uppstigningstiden. Då får du den tidigaste tid du går och
lägger dig.</li>
</ol>
<p>Ett exempel: Ali har sovit i genomsnitt 5 timmar och 30 minuter per natt och behöver vara uppe
klockan 06.30. Hans sömnfönster blir 5 timmar och 30 minuter, och han lägger sig tidigast klockan
01.00.</p>
<p>Gå bara och lägg dig om du är sömnig, även när sömnfönstret har börjat. Stig upp vid samma tid
varje morgon, hur natten än har varit.</p>
"""

M3_ADJUST = """
<p>Efter varje vecka tittar du på veckans genomsnittliga sömneffektivitet och justerar
sömnfönstret, gärna tillsammans med din behandlare:</p>
<ul>
<li><strong>85 procent eller mer:</strong> förläng sömnfönstret med 15 minuter genom att lägga dig
en kvart tidigare. Du stiger upp vid samma tid som förut.</li>
<li><strong>Mellan 80 och 85 procent:</strong> behåll samma sömnfönster en vecka till.</li>
<li><strong>Under 80 procent:</strong> korta sömnfönstret med 15 minuter, men aldrig till mindre
än 5 timmar.</li>
</ul>
<p>Fortsätt så tills du känner dig någorlunda utvilad på dagarna och sömneffektiviteten håller
sig kring 85 procent. Då har du hittat ditt eget sömnbehov.</p>
"""

M3_FIRST_WEEKS = """
<p>Räkna med att de första en till två veckorna blir tuffa. Du blir troligen tröttare än vanligt,
kanske också lättirriterad eller ofokuserad. Det är ett tecken på att sömntrycket ökar och att
metoden börjar verka, inte på att något har gått fel.</p>
<p>Några råd för den här perioden:</p>
<ul>
<li>Planera in lugnare dagar om du kan, och skjut upp krävande uppgifter.</li>
<li>Låt bli att sova eller vila på dagen, även om det lockar. Det minskar sömntrycket inför
natten.</li>
<li>Hitta på något att göra på kvällen innan sömnfönstret börjar, så att du håller dig vaken:
ring någon, ta en promenad eller lös ett korsord. Undvik att slumra till i soffan.</li>
<li>Påminn dig om varför du gör det här. De flesta märker efter några veckor att sömnen blir
djupare och hänger ihop bättre.</li>
</ul>
<p>Känns det övermäktigt? Hör av dig till din behandlare innan du ger upp. Ofta räcker det med en
liten justering.</p>
"""

M3_TASKS = """
<ul>
<li>Räkna ut ditt sömnfönster och skriv upp dina nya tider för att gå och lägga dig och stiga
upp.</li>
<li>Berätta för din behandlare vilket sömnfönster du har valt.</li>
<li>Håll dig till sömnfönstret varje natt den här veckan.</li>
<li>Fortsätt fylla i sömndagboken varje morgon.</li>
</ul>
"""

# --- Sömnbehandling: modules 4-8, in short --------------------------------------------------

M4_SUMMARY = """
<p>I den här modulen lär du dig att koppla ihop sängen med sömn igen, så kallad
stimuluskontroll. Du går bara och lägger dig när du är sömnig, använder sängen enbart till sömn och
sex, och stiger upp och gör något lugnt i ett annat rum om du inte har somnat inom ungefär en
kvart. Du fortsätter med ditt sömnfönster och med dagboken.</p>
"""

M5_SUMMARY = """
<p>Oro och bestämda föreställningar om sömn kan hålla sömnproblemen vid liv, till exempel att man
måste sova åtta timmar eller att en dålig natt förstör hela nästa dag. Här granskar du dina egna
tankar om sömnen och prövar mer hjälpsamma sätt att se på den. Du får också en metod för att
hantera grubblerier: att tidigt på kvällen avsätta en stund åt det som oroar dig.</p>
"""

M6_SUMMARY = """
<p>En lugn övergång från dag till natt gör det lättare att somna. Du prövar en enkel
avslappningsövning och lägger upp en egen rutin för att varva ner den sista timmen innan du går och
lägger dig. Vi går också igenom hur kaffe, alkohol, motion och skärmar påverkar sömnen.</p>
"""

M6_EVENING_EXAMPLE = """
<p>Så här kan en kvällsrutin se ut, en timme innan sömnfönstret börjar:</p>
<ol>
<li>Skriv ner det du behöver komma ihåg i morgon, så att du slipper hålla det i huvudet.</li>
<li>Dämpa belysningen och lägg undan mobilen och datorn.</li>
<li>Gör något lugnt som du tycker om: läs, lyssna på musik eller ta en dusch.</li>
<li>Gör avslappningsövningen när du känner dig sömnig, och gå sedan och lägg dig.</li>
</ol>
"""

M7_SUMMARY = """
<p>Nästan alla får dåliga nätter då och då, också efter en lyckad behandling. Här lär du dig att
känna igen tidiga tecken på att gamla vanor smyger sig tillbaka, och vad du kan göra då. Oftast
räcker det att under en eller två veckor ta fram sömnfönstret och reglerna för sängen igen.</p>
"""

M8_SUMMARY = """
<p>Den sista modulen öppnar din behandlare när det är dags för uppföljningen, ofta några veckor
efter modul 7. Du sammanfattar vad som har hjälpt dig och skriver en egen plan för att behålla det
du har uppnått. Tillsammans med din behandlare går du igenom sömndagboken en sista gång och bestämmer
hur du fortsätter på egen hand.</p>
"""

SLEEP_DESCRIPTION = (
    "Ett program i åtta veckor med kognitiv beteendeterapi för dig som har svårt att sova. Du lär "
    "dig hur sömnen fungerar, för sömndagbok och prövar metoder som sömnrestriktion och "
    "stimuluskontroll, med stöd av din behandlare."
)
SLEEP_DESCRIPTION_1_1 = (
    "Ett program i ungefär åtta veckor med kognitiv beteendeterapi (KBT) för dig som har svårt att "
    "sova. Du lär dig hur sömnen fungerar, för sömndagbok och prövar metoder som sömnrestriktion "
    "och stimuluskontroll, med stöd av din behandlare."
)
SLEEP_WELCOME = (
    "Välkommen till Sömnbehandling! Under de kommande veckorna arbetar du med en modul i taget. "
    "Börja med texterna i modul 1 och fyll sedan i sömndagboken varje morgon. Din behandlare "
    "följer ditt arbete och svarar på dina frågor."
)


def sleep_program_content(*, with_isi: bool = False, minor: int = 0) -> dict[str, Any]:
    """Sömnbehandling as program content; ``minor=1`` gives the small changes of version 1.1."""
    module_1 = [
        _text("m1-valkommen", "Välkommen till din sömnbehandling", M1_WELCOME),
        _text("m1-somnkunskap", "Hur fungerar sömnen?", M1_SLEEP),
        _text("m1-upplagg", "Så går behandlingen till", M1_HOW),
        _form("m1-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"),
    ]
    if with_isi:
        module_1.append(_form("m1-isi", "Dina sömnbesvär just nu (ISI)", "isi"))
    module_1.append(_text("m1-uppgifter", "Veckans uppgifter: sömnkunskap", M1_TASKS))
    module_6 = [_text("m6-sammanfattning", "Om modulen", M6_SUMMARY)]
    if minor >= 1:
        module_6.append(_text("m6-kvallsrutin", "Kvällsrutin – ett exempel", M6_EVENING_EXAMPLE))
    module_6.append(_form("m6-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"))
    modules = [
        _module("m1", "Välkommen och sömnkunskap", "at_start", module_1),
        _module(
            "m2",
            "Sömndagboken och din sömneffektivitet",
            "after_previous",
            [
                _text("m2-varfor", "Varför en sömndagbok?", M2_WHY),
                _text("m2-sa-fyller-du-i", "Så fyller du i dagboken", M2_HOW),
                _text("m2-somneffektivitet", "Vad är sömneffektivitet?", M2_EFFICIENCY),
                _text("m2-diagram", "Så läser du diagrammet", M2_CHART),
                _form("m2-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"),
                _text("m2-uppgifter", "Veckans uppgifter: sömndagboken", M2_TASKS),
            ],
        ),
        _module(
            "m3",
            "Sömnrestriktion",
            "after_previous",
            [
                _text("m3-varfor", "Varför sömnrestriktion?", M3_WHY),
                _text("m3-sakerhet", "Innan du börjar: din säkerhet", M3_SAFETY),
                _text("m3-somnfonster", "Räkna ut ditt sömnfönster", M3_WINDOW),
                _text("m3-justera", "Justera sömnfönstret vecka för vecka", M3_ADJUST),
                _text("m3-forsta-veckorna", "De första veckorna", M3_FIRST_WEEKS),
                _form("m3-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"),
                _text("m3-uppgifter", "Veckans uppgifter: sömnfönstret", M3_TASKS),
            ],
        ),
        _module(
            "m4",
            "Stimuluskontroll: sängen är till för sömn",
            "after_previous",
            [
                _text("m4-sammanfattning", "Om modulen", M4_SUMMARY),
                _form("m4-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"),
            ],
        ),
        _module(
            "m5",
            "Tankar om sömnen",
            "after_previous",
            [
                _text("m5-sammanfattning", "Om modulen", M5_SUMMARY),
                _form("m5-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"),
            ],
        ),
        _module("m6", "Avslappning och att varva ner", "after_previous", module_6),
        _module(
            "m7",
            "När sömnen sviktar igen",
            "after_previous",
            [
                _text("m7-sammanfattning", "Om modulen", M7_SUMMARY),
                _form("m7-somndagbok", SLEEP_DIARY_TITLE, "sleep-diary"),
            ],
        ),
        _module(
            "m8",
            "Din plan för framtiden",
            "by_therapist",
            [_text("m8-sammanfattning", "Om modulen", M8_SUMMARY)],
        ),
    ]
    return {
        "name": "Sömnbehandling",
        "description": SLEEP_DESCRIPTION_1_1 if minor >= 1 else SLEEP_DESCRIPTION,
        "welcome": SLEEP_WELCOME,
        "recommended_days": 57,
        "modules": modules,
    }


# --- the support program: a patient education before surgery --------------------------------

SURGERY_WELCOME_TEXT = """
<p>Snart ska du opereras. Det är vanligt att känna sig både förväntansfull och orolig inför en
operation. Här får du veta hur du kan förbereda dig, vad som händer på operationsdagen och hur du
tar hand om dig när du kommer hem.</p>
<p>Texterna är allmänna. Följ alltid de instruktioner du får från din klinik, de gäller före det
som står här.</p>
"""

SURGERY_BEFORE = """
<p>Det du gör veckorna före operationen kan göra återhämtningen lättare.</p>
<ul>
<li><strong>Sluta röka</strong>, helst några veckor före operationen. Såren läker bättre och
risken för komplikationer minskar.</li>
<li><strong>Drick mindre alkohol</strong>, eller låt bli helt, under samma tid.</li>
<li><strong>Rör på dig</strong> varje dag efter din förmåga. En promenad räcker långt.</li>
<li><strong>Gå igenom dina läkemedel</strong> med din läkare. Vissa behöver göras uppehåll
med.</li>
<li><strong>Planera hemkomsten</strong>: vem hämtar dig, och vem kan hjälpa till de första
dagarna?</li>
</ul>
"""

SURGERY_TALK = """
<p>Inför operationen får du ett samtal med en sjuksköterska. Fyll gärna i formuläret nedan, så vet
vi vad du vill ta upp.</p>
"""

SURGERY_DAY = """
<p>Kvällen före och på morgonen får du särskilda instruktioner om när du ska sluta äta och dricka
(fasta). Det är viktigt att du följer dem, annars kan operationen behöva skjutas upp.</p>
<ul>
<li>Duscha kvällen före eller på morgonen, enligt klinikens instruktioner.</li>
<li>Ta inte med smycken eller värdesaker.</li>
<li>Ta med en lista över dina läkemedel och det som kliniken har bett dig ta med.</li>
</ul>
<p>På sjukhuset träffar du narkospersonalen och den som ska operera dig. Fråga gärna om det är
något du undrar över.</p>
"""

SURGERY_HOME = """
<p>De första dagarna hemma är det vanligt att vara trött och ha ont. Det går över.</p>
<ul>
<li>Ta smärtstillande enligt ordination, så att du orkar röra dig.</li>
<li>Gå korta promenader flera gånger om dagen. Det minskar risken för blodpropp.</li>
<li>Håll förbandet rent och torrt och följ råden om såret.</li>
</ul>
<p><strong>Kontakta kliniken eller ring 1177</strong> om du får feber, om såret blir rött, varmt
eller börjar vätska sig, om smärtan ökar i stället för att minska, eller om du får ont och svullet
i ett ben. Vid andnöd eller bröstsmärta ringer du 112.</p>
"""


def surgery_program_content() -> dict[str, Any]:
    return {
        "name": "Inför din operation – patientutbildning",
        "description": (
            "Ett kort stödprogram för dig som snart ska opereras: hur du förbereder dig, vad som "
            "händer på operationsdagen och hur du tar hand om dig efteråt."
        ),
        "welcome": (
            "Välkommen! Programmet har tre korta delar. Läs i din egen takt, gärna tillsammans "
            "med någon närstående."
        ),
        "recommended_days": 21,
        "modules": [
            _module(
                "forbered",
                "Förbered dig",
                "at_start",
                [
                    _text("forbered-valkommen", "Välkommen", SURGERY_WELCOME_TEXT),
                    _text("forbered-veckorna", "Veckorna före operationen", SURGERY_BEFORE),
                    _text("forbered-samtal", "Inför samtalet med sjuksköterskan", SURGERY_TALK),
                    _form("forbered-prata-om", "Jag vill prata om", "talk-about"),
                ],
            ),
            _module(
                "operationsdagen",
                "Operationsdagen",
                "after_previous",
                [_text("operationsdagen-text", "Så går dagen till", SURGERY_DAY)],
            ),
            _module(
                "hemma",
                "Hemma igen",
                "after_previous",
                [_text("hemma-text", "Återhämtningen hemma", SURGERY_HOME)],
            ),
        ],
    }


# --- loading: programs, versions, catalogue ------------------------------------------------------

SLEEP_KEY = "somnbehandling"
SURGERY_KEY = "infor-operation"
SURGERY_ELIGIBILITY = {"regions": [], "sex": None, "min_age": 18, "max_age": 110}


def _staff(name: str) -> Staff:
    staff = db.session.scalar(select(Staff).where(Staff.name == name))
    if staff is None:  # pragma: no cover - demo.load() creates the staff first
        raise RuntimeError(f"demo staff {name!r} missing: run demo.load()")
    return staff


def _program(key: str) -> Program | None:
    return db.session.scalar(select(Program).where(Program.key == key))


def _versions(program: Program) -> dict[str, ProgramVersion]:
    return {
        v.label: v
        for v in db.session.scalars(
            select(ProgramVersion).where(
                ProgramVersion.program_id == program.id, ProgramVersion.status == "published"
            )
        )
    }


def _usable_forms() -> set[str]:
    """The demo forms a program may hand out here: their scale, texts and question types exist."""
    registry = current_app.extensions["sob"].registry
    facts = programs.form_facts(db.session, registry, ("sleep-diary", "talk-about", "isi")).values()
    return {
        fact.key
        for fact in facts
        if fact.texts_installed
        and (fact.scale_id is None or fact.scale_id in registry.scales)
        and all(t in registry.question_types for t in fact.question_types)
    }


def _with_forms(content: dict[str, Any], usable: set[str]) -> dict[str, Any]:
    """Leave out form items whose form this installation lacks (a plugin not installed)."""
    for module in content["modules"]:
        module["items"] = [
            i for i in module["items"] if i["kind"] != "form" or i["form_key"] in usable
        ]
    return content


def _load_programs(units: list[CareUnit], counts: dict[str, int]) -> tuple[Program, Program]:
    sara, olof = _staff("Sara Ek"), _staff("Olof Dahl")
    usable = _usable_forms()
    with_isi = "isi" in usable
    sleep = _program(SLEEP_KEY)
    if sleep is None:
        draft = programs.create_program(
            db.session,
            key=SLEEP_KEY,
            kind="treatment",
            owner_care_unit_id=units[1].id,
            content=_with_forms(sleep_program_content(with_isi=with_isi), usable),
            created_by_id=sara.id,
        )
        programs.publish(db.session, draft, publisher_id=olof.id)
        programs.set_catalogue(db.session, draft.program, [u.id for u in units])
        # 1.1: a reworded description and an example evening routine in module 6.
        draft = programs.start_draft(db.session, draft.program, created_by_id=sara.id)
        content = sleep_program_content(with_isi=with_isi, minor=1)
        programs.update_draft(db.session, draft, _with_forms(content, usable))
        programs.publish(db.session, draft, publisher_id=olof.id)
        sleep = draft.program
        counts["programs"] += 1
        counts["program versions"] += 2
    surgery = _program(SURGERY_KEY)
    if surgery is None:
        draft = programs.create_program(
            db.session,
            key=SURGERY_KEY,
            kind="support",
            owner_care_unit_id=units[0].id,
            content=_with_forms(surgery_program_content(), usable),
            created_by_id=sara.id,
        )
        programs.publish(
            db.session,
            draft,
            publisher_id=sara.id,
            is_open=True,
            eligibility=dict(SURGERY_ELIGIBILITY),
        )
        programs.set_catalogue(db.session, draft.program, [u.id for u in units])
        surgery = draft.program
        counts["programs"] += 1
        counts["program versions"] += 1
    db.session.flush()
    return sleep, surgery


# --- loading: enrollments at different stages ----------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """Where one demo citizen is in a program, as days before now."""

    name: str
    unit: int  # 0 or 1: index of the demo care unit
    therapist: str | None  # None: the citizen started an open program themselves
    started: int  # days ago
    done: int  # modules completed
    program: str = SLEEP_KEY
    version: str = "1.0"
    reading: int | None = None  # days ago the citizen last read something in the open module
    activate_last: bool = False  # the therapist opened the by_therapist module
    ended: int | None = None  # days ago the enrollment ended
    maintenance: int | None = None  # days ago it moved to maintenance
    flagged: int | None = None  # days ago a PHQ-9 with a flagged item was submitted
    sleep: int = 55  # sleep efficiency in % the first week; it improves week by week


# The four demo citizens of demo.py (their enrollments exist already and are attached here) and
# generated citizens, so the patient lists have rows in every state.
DEMO_STAGES = (
    Stage("John Doe", 0, "Tommy Skjulsvik", 21, 2, reading=1, sleep=58),
    Stage("Elin Svensson", 0, "Tommy Skjulsvik", 2, 0, reading=1),
    Stage("Ahmed Karimi", 0, "Anna Berg", 40, 4, ended=6, sleep=62),
    Stage(
        "Linnea Johansson",
        1,
        "Johan Sund",
        70,
        8,
        activate_last=True,
        maintenance=8,
        sleep=64,
    ),
)

# (name, birth date, serial of three digits: the last one odd for men, even for women)
GENERATED = (
    ("Maja Lindqvist", "19900517", "284"),
    ("Oskar Nilsson", "19721102", "239"),
    ("Fatima Hassan", "19880309", "302"),
    ("Per Andersson", "19550823", "215"),
    ("Sofia Berg", "19951230", "226"),
    ("Viktor Larsson", "19810614", "257"),
    ("Amira Ali", "19990221", "248"),
    ("Lars Gustafsson", "19620905", "273"),
    ("Hanna Eriksson", "19840411", "264"),
    ("Nils Wallin", "19770128", "291"),
    ("Ingrid Sjöberg", "19490310", "322"),
    ("Göran Lund", "19580718", "233"),
    ("Mikael Persson", "19690719", "219"),
    ("Emma Karlsson", "19930908", "286"),
    ("Jonas Åberg", "19860214", "237"),
    ("Therese Lund", "19750601", "242"),
)

GENERATED_STAGES = (
    Stage("Maja Lindqvist", 0, "Tommy Skjulsvik", 36, 4, reading=1, sleep=60),
    Stage("Oskar Nilsson", 0, "Tommy Skjulsvik", 16, 1, sleep=50),
    Stage("Fatima Hassan", 0, "Anna Berg", 0, 0, version="1.1", reading=0),
    Stage("Per Andersson", 0, "Tommy Skjulsvik", 50, 6, reading=3, flagged=4, sleep=52),
    Stage("Sofia Berg", 0, "Anna Berg", 3, 0, reading=2),
    Stage("Viktor Larsson", 0, "Tommy Skjulsvik", 29, 3, reading=0, sleep=66),
    Stage("Amira Ali", 0, "Tommy Skjulsvik", 10, 1, reading=4, flagged=2, sleep=48),
    Stage("Lars Gustafsson", 0, "Anna Berg", 22, 2, sleep=57),
    Stage("Hanna Eriksson", 0, "Tommy Skjulsvik", 58, 7, activate_last=True),
    Stage("Nils Wallin", 0, "Tommy Skjulsvik", 64, 5, ended=10, sleep=61),
    Stage("Ingrid Sjöberg", 0, None, 9, 1, program=SURGERY_KEY),
    Stage("Göran Lund", 0, "Anna Berg", 16, 2, program=SURGERY_KEY),
    Stage("Mikael Persson", 1, "Johan Sund", 18, 2, reading=2, sleep=59),
    Stage("Emma Karlsson", 1, "Lena Björk", 0, 0, version="1.1"),
    Stage("Jonas Åberg", 1, "Johan Sund", 43, 5, reading=6, flagged=7, sleep=54),
    Stage(
        "Therese Lund",
        1,
        "Lena Björk",
        80,
        8,
        activate_last=True,
        maintenance=15,
        sleep=63,
    ),
)


def generated_personnummer(birth: str, serial: str) -> str:
    """A valid 12-digit personnummer: birth date, serial and the Luhn check digit."""
    return f"{birth}{serial}{personnummer.luhn_digit(birth[2:] + serial)}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _diary(week: int, base: int) -> dict[str, Any]:
    """One night of the sleep diary: less time in bed and more of it asleep as the weeks pass."""
    in_bed = max(330, 510 - 30 * week)
    efficiency = min(94, base + 6 * week)
    asleep = round(in_bed * efficiency / 100)
    bedtime = (7 * 60 - in_bed) % (24 * 60)  # everyone rises at 07:00
    return {
        "bedtime": f"{bedtime // 60:02d}:{bedtime % 60:02d}",
        "rise_time": "07:00",
        "time_in_bed_min": in_bed,
        "total_sleep_min": asleep,
    }


TALK_ABOUT_ANSWERS = {"topics": ["worry", "sleep"], "bad_nights": 3}
FLAGGED_PHQ9 = {str(i): "2" for i in range(1, 9)} | {"9": "1"}


class _Loader:
    """Brings demo enrollments to their stage through the enrollment services, back in time."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.host = current_app.extensions["sob"]
        self.session = db.session

    # -- forms, answered in the past --

    def submit(
        self, enrollment: Enrollment, assignment: FormAssignment, answers: dict, when: datetime
    ) -> None:
        """Submit through the forms service, then date the answer, its results and event back."""
        response = forms.open_response(self.session, assignment)
        forms.submit(self.session, self.host, response, answers)
        self.session.flush()
        response.started_at = when - timedelta(minutes=4)
        response.submitted_at = when
        for result in response.results:
            result.at = when
        self._date_submission_events(enrollment)
        if assignment.item_key:
            progress = self.session.scalar(
                select(ItemProgress).where(
                    ItemProgress.enrollment_id == enrollment.id,
                    ItemProgress.item_key == assignment.item_key,
                )
            )
            if progress is not None:
                progress.first_opened_at = when - timedelta(minutes=5)
                progress.done_at = when
        self.session.flush()

    def _date_submission_events(self, enrollment: Enrollment) -> None:
        """``form_submitted`` events carry the time of their answer (the service used "now")."""
        events = self.session.scalars(
            select(EnrollmentEvent).where(
                EnrollmentEvent.enrollment_id == enrollment.id,
                EnrollmentEvent.kind == "form_submitted",
            )
        ).all()
        ids = [e.detail.get("response_id") for e in events if e.detail.get("response_id")]
        when = dict(
            self.session.execute(
                select(FormResponse.id, FormResponse.submitted_at).where(FormResponse.id.in_(ids))
            ).all()
        )
        for event in events:
            moment = when.get(event.detail.get("response_id"))
            if moment is not None and _aware(event.at) != _aware(moment):
                event.at = moment

    def extra_measurement(
        self, enrollment: Enrollment, form_key: str, answers: dict, when: datetime
    ) -> None:
        form = self.session.scalar(select(Form).where(Form.key == form_key))
        if form is None:
            return
        assignment = FormAssignment(
            citizen_id=enrollment.citizen_id,
            enrollment_id=enrollment.id,
            form_version_id=form.latest.id,
            assigned_by_id=enrollment.therapist_id,
            assigned_at=when - timedelta(hours=3),
        )
        self.session.add(assignment)
        self.session.flush()
        self.submit(enrollment, assignment, answers, when)

    # -- modules --

    def _module_row(self, enrollment: Enrollment, key: str) -> EnrollmentModule:
        return self.session.scalars(
            select(EnrollmentModule)
            .where(
                EnrollmentModule.enrollment_id == enrollment.id,
                EnrollmentModule.module_key == key,
            )
            .execution_options(populate_existing=True)
        ).one()

    def _open_form(self, enrollment: Enrollment, item_key: str) -> FormAssignment | None:
        return self.session.scalar(
            select(FormAssignment).where(
                FormAssignment.enrollment_id == enrollment.id,
                FormAssignment.item_key == item_key,
                FormAssignment.status == "open",
            )
        )

    def work_through(self, enrollment: Enrollment, module: dict, week: int, stage: Stage) -> None:
        """The citizen answers the module's forms, then reads its texts over the week."""
        therapist_id = enrollment.therapist_id
        row = self._module_row(enrollment, module["key"])
        if row.state == "locked" and stage.activate_last:
            enrollments.activate_module(
                self.session,
                enrollment,
                module["key"],
                therapist_id,
                _aware(row.opened_at or self._last_completion(enrollment)) + timedelta(days=1),
            )
            row = self._module_row(enrollment, module["key"])
        if row.state != "open":
            return
        opened = _aware(row.opened_at)
        # Forms first: the module is complete when its last text is read, at a past moment.
        for item in module["items"]:
            if item["kind"] != "form":
                continue
            assignment = self._open_form(enrollment, item["key"])
            answers = {"sleep-diary": _diary(week, stage.sleep), "talk-about": TALK_ABOUT_ANSWERS}
            if assignment is not None and item["form_key"] in answers:
                when = opened + timedelta(days=3, hours=1)
                self.submit(enrollment, assignment, answers[item["form_key"]], when)
        texts = [i for i in module["items"] if i["kind"] != "form"]
        for number, item in enumerate(texts):
            when = opened + timedelta(hours=2) + timedelta(hours=160) * (number + 1) / len(texts)
            enrollments.open_item(self.session, enrollment, item["key"], when)
        if self._module_row(enrollment, module["key"]).state != "done":
            # A form nobody answered: the therapist sets the module done ("Sätt till avklarad").
            enrollments.complete_module(
                self.session,
                enrollment,
                module["key"],
                "staff",
                therapist_id,
                opened + timedelta(days=6, hours=22),
            )

    def _last_completion(self, enrollment: Enrollment) -> datetime:
        moments = self.session.scalars(
            select(EnrollmentModule.completed_at).where(
                EnrollmentModule.enrollment_id == enrollment.id,
                EnrollmentModule.completed_at.is_not(None),
            )
        ).all()
        return max((_aware(m) for m in moments), default=_aware(enrollment.started_at))

    def bring_to_stage(self, enrollment: Enrollment, stage: Stage) -> None:
        content = enrollment.program_version.content
        modules = content["modules"]
        for week, module in enumerate(modules[: stage.done]):
            self.work_through(enrollment, module, week, stage)
        if stage.done < len(modules):
            current = modules[stage.done]
            row = self._module_row(enrollment, current["key"])
            if row.state == "locked" and stage.activate_last:
                enrollments.activate_module(
                    self.session,
                    enrollment,
                    current["key"],
                    enrollment.therapist_id,
                    self._last_completion(enrollment) + timedelta(days=1),
                )
                row = self._module_row(enrollment, current["key"])
            texts = [i for i in current["items"] if i["kind"] != "form"]
            if row.state == "open" and stage.reading is not None and texts:
                when = max(
                    _aware(row.opened_at) + timedelta(minutes=30),
                    self.now - timedelta(days=stage.reading, hours=2),
                )
                if when < self.now:
                    enrollments.open_item(self.session, enrollment, texts[0]["key"], when)
        if stage.flagged is not None:
            self.extra_measurement(
                enrollment, "phq-9", FLAGGED_PHQ9, self.now - timedelta(days=stage.flagged)
            )
        if stage.maintenance is not None:
            enrollments.to_maintenance(
                self.session,
                enrollment,
                "staff",
                enrollment.therapist_id,
                self.now - timedelta(days=stage.maintenance),
            )
        if stage.ended is not None:
            enrollments.end(
                self.session,
                enrollment,
                "staff",
                enrollment.therapist_id,
                self.now - timedelta(days=stage.ended),
            )
        self._date_submission_events(enrollment)
        self._set_last_active(enrollment)

    def _set_last_active(self, enrollment: Enrollment) -> None:
        """Last active: the citizen's latest event (what the patient lists sort on)."""
        latest = self.session.scalar(
            select(func.max(EnrollmentEvent.at)).where(
                EnrollmentEvent.enrollment_id == enrollment.id,
                EnrollmentEvent.actor_kind == "citizen",
            )
        )
        latest = _aware(latest) if latest is not None else _aware(enrollment.started_at)
        enrollment.last_active_at = latest
        citizen = self.session.get(Citizen, enrollment.citizen_id)
        if citizen.last_active_at is None or _aware(citizen.last_active_at) < latest:
            citizen.last_active_at = latest
        self.session.flush()

    # -- starting --

    def attach(self, enrollment: Enrollment, version: ProgramVersion, stage: Stage) -> None:
        """Put an enrollment demo.py made without a program on the program version."""
        started = _aware(enrollment.started_at)
        enrollment.program_version_id = version.id
        enrollment.started_by_id = enrollment.therapist_id
        self.session.flush()
        self.session.refresh(enrollment, ["program_version"])
        enrollments.record_event(
            self.session,
            enrollment,
            "started",
            "staff",
            enrollment.therapist_id,
            detail={
                "version": version.label,
                "program_version_id": version.id,
                "care_unit_id": enrollment.care_unit_id,
                "therapist_id": enrollment.therapist_id,
            },
            now=started,
        )
        self._link_diary(enrollment, version)
        enrollments.refresh(self.session, enrollment, started)
        self.bring_to_stage(enrollment, stage)

    def _link_diary(self, enrollment: Enrollment, version: ProgramVersion) -> None:
        """Sleep-diary nights demo.py recorded become the answers to the program's diary items,
        in order: the first night answers module 1's diary, the next module 2's, and so on."""
        diary_items = [
            (module["key"], item["key"])
            for module in version.content["modules"]
            for item in module["items"]
            if item.get("form_key") == "sleep-diary"
        ]
        answered = self.session.execute(
            select(FormAssignment, FormResponse)
            .join(FormResponse, FormResponse.assignment_id == FormAssignment.id)
            .join(FormVersion, FormVersion.id == FormAssignment.form_version_id)
            .join(Form, Form.id == FormVersion.form_id)
            .where(
                FormAssignment.enrollment_id == enrollment.id,
                FormAssignment.item_key.is_(None),
                FormResponse.status == "submitted",
                Form.key == "sleep-diary",
            )
            .order_by(FormResponse.submitted_at)
        ).all()
        events = {
            e.detail.get("response_id"): e
            for e in self.session.scalars(
                select(EnrollmentEvent).where(
                    EnrollmentEvent.enrollment_id == enrollment.id,
                    EnrollmentEvent.kind == "form_submitted",
                )
            )
        }
        for (module_key, item_key), (assignment, response) in zip(
            diary_items, answered, strict=False
        ):
            assignment.item_key = item_key
            when = _aware(response.submitted_at)
            self.session.add(
                ItemProgress(
                    enrollment_id=enrollment.id,
                    item_key=item_key,
                    first_opened_at=when - timedelta(minutes=5),
                    done_at=when,
                )
            )
            event = events.get(response.id)
            if event is not None:
                event.module_key, event.item_key = module_key, item_key
        self.session.flush()

    def start(
        self, citizen: Citizen, version: ProgramVersion, unit: CareUnit, stage: Stage
    ) -> None:
        started = self.now - timedelta(days=stage.started, hours=3)
        if stage.therapist is None:
            enrollment = enrollments.self_start(self.session, citizen, version.id, started)
        else:
            therapist = _staff(stage.therapist)
            enrollment = enrollments.start(
                self.session,
                citizen_id=citizen.id,
                program_version_id=version.id,
                care_unit_id=unit.id,
                therapist_id=therapist.id,
                started_by_id=therapist.id,
                now=started,
            )
        self.bring_to_stage(enrollment, stage)


def _enrolled(citizen: Citizen, program: Program) -> bool:
    return (
        db.session.scalar(
            select(Enrollment.id)
            .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
            .where(Enrollment.citizen_id == citizen.id, ProgramVersion.program_id == program.id)
        )
        is not None
    )


def load(now: datetime | None = None) -> dict[str, int]:
    """The demo programmes, published, in the catalogue, and citizens at different stages.

    Repeatable: what exists already is left as it is.
    """
    now = now or datetime.now(UTC)
    counts = {"programs": 0, "program versions": 0, "program enrollments": 0}
    units = list(db.session.scalars(select(CareUnit).order_by(CareUnit.id)))
    if len(units) < 2:  # pragma: no cover - demo.load() creates them first
        raise RuntimeError("the demo care units are missing: run demo.load()")
    sleep, surgery = _load_programs(units, counts)
    by_key = {SLEEP_KEY: _versions(sleep), SURGERY_KEY: _versions(surgery)}
    loader = _Loader(now)
    people = {c.name: c for c in db.session.scalars(select(Citizen))}
    for stage in DEMO_STAGES:
        citizen = people.get(stage.name)
        if citizen is None or _enrolled(citizen, sleep):
            continue
        enrollment = db.session.scalar(
            select(Enrollment)
            .where(Enrollment.citizen_id == citizen.id, Enrollment.program_version_id.is_(None))
            .order_by(Enrollment.id)
        )
        if enrollment is None:
            continue
        loader.attach(enrollment, by_key[SLEEP_KEY][stage.version], stage)
        counts["program enrollments"] += 1
    births = {name: (birth, serial) for name, birth, serial in GENERATED}
    for stage in GENERATED_STAGES:
        citizen = enrollments.register_citizen(
            db.session, generated_personnummer(*births[stage.name]), stage.name
        )
        program = sleep if stage.program == SLEEP_KEY else surgery
        if _enrolled(citizen, program):
            continue
        loader.start(citizen, by_key[stage.program][stage.version], units[stage.unit], stage)
        counts["program enrollments"] += 1
    db.session.commit()
    return counts
