"""Write the project's own sample final reports as real PDFs.

The reports are fictitious: written by the Lärdomsbanken team as examples, marked so on
every page, in English and Swedish, with lessons, recommendations, partners and contacts.
Usage: python samples/make_samples.py OUTPUT_DIR
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

MARK = "EXAMPLE / EXEMPEL - fictitious report written for Lärdomsbanken; not a real project."

REPORTS = [
    {
        "file": "example_greenfleet_final_report_en.pdf",
        "title": "GreenFleet BSR - Final report",
        "cover": [
            "GreenFleet BSR",
            "Joint procurement of electric buses for small and medium-sized cities",
            "Final report",
            "Programme: Interreg Baltic Sea Region 2014-2020",
            "Project acronym: GreenFleet",
            "Project period: 2019-2022",
            "Total budget: EUR 2 450 000",
            "ERDF co-financing: EUR 1 960 000",
        ],
        "sections": [
            (
                "1 Summary",
                [
                    "GreenFleet BSR brought together six small and medium-sized cities around the Baltic Sea to buy "
                    "electric buses together instead of one by one. The cities wanted lower prices, a shared technical "
                    "specification and support for the many decisions that come with a first electric fleet. Over "
                    "three years the partners prepared and ran one joint tender for 42 battery-electric buses, "
                    "installed depot and terminal chargers, trained drivers and mechanics, and followed up energy use "
                    "and reliability during the first year of operation.",
                    "This report describes what the partnership achieved, what did not go as planned and what other "
                    "municipalities can learn before they start a similar procurement.",
                ],
            ),
            (
                "2 Partners",
                [
                    "Lead partner: Norrvik municipality (Sweden), public transport unit.",
                    "Partner: Saarenpää City (Finland), technical services.",
                    "Partner: Kuressaare-Lääne Transport Centre (Estonia).",
                    "Partner: Gdynia Bay Municipal Transport Authority (Poland).",
                    "Associated partner: Baltic Bus Operators Network (Latvia).",
                    "The partners met twice a year and held a monthly video call of the procurement working group.",
                ],
            ),
            (
                "3 Results",
                [
                    "The joint tender attracted five bidders and gave a unit price 14 percent below the average "
                    "price the cities had paid for diesel-hybrid buses in earlier single tenders. All 42 buses were "
                    "delivered between March and November 2021. Depot charging was installed in four cities and "
                    "opportunity charging at two terminals. Energy use averaged 1.1 kWh per kilometre in winter and "
                    "0.8 kWh per kilometre in summer. Availability of the fleet reached 93 percent in the first year.",
                    "A shared training package for drivers, covering regenerative braking and heating, reduced energy "
                    "use by about 8 percent on the routes where it was used.",
                ],
            ),
            (
                "4 Challenges",
                [
                    "The legal basis for a cross-border joint procurement took far longer to settle than planned. "
                    "Each city needed a political decision to mandate the lead partner, and two city councils asked "
                    "for changes to the mandate after the tender documents were drafted. The tender was delayed by "
                    "seven months. Grid connection for the depot chargers was another bottleneck: in two cities the "
                    "local grid operator needed more than a year to deliver the required capacity.",
                    "Winter range was lower than the suppliers had promised, which forced one city to add a terminal "
                    "charger and to change its timetable on two long routes.",
                ],
            ),
            (
                "5 Lessons learned",
                [
                    "Joint procurement of electric buses works, but only if the legal and political groundwork is done "
                    "before the technical work starts. Agree early on which partner signs the contract, how the mandate "
                    "is given by each council and how disputes are solved. We recommend a written cooperation agreement "
                    "that each council approves before the specification is written.",
                    "Start the dialogue with the electricity grid operator at the same time as the procurement, not "
                    "after it. Grid capacity, not the buses, decided when the new fleet could enter service.",
                    "Write a shared specification based on functions and performance, for example energy use in winter "
                    "conditions and guaranteed battery capacity after eight years, rather than on technical details. "
                    "This widened competition and kept the door open for new suppliers.",
                    "Involve drivers and mechanics from the start. Their experience changed the specification of "
                    "heating, seating and charging connectors, and trained drivers used clearly less energy.",
                    "Plan for winter. Test range in real winter conditions before the timetable is fixed, and keep a "
                    "reserve in the charging plan.",
                ],
            ),
            (
                "6 Recommendations",
                [
                    "Municipalities that want to buy electric buses together should set aside six to nine months for "
                    "the legal mandate and the cooperation agreement, involve the procurement units of all partners "
                    "from the first meeting, and budget for an independent technical adviser. A market dialogue with "
                    "suppliers before the tender reduced the number of questions during the tender by half.",
                ],
            ),
            (
                "7 Contact",
                [
                    "Project manager: Anna Lindqvist, Norrvik municipality, anna.lindqvist@norrvik.example.org, "
                    "+46 13 555 01 23.",
                    "Procurement lead: Mikko Saarinen, Saarenpää City, mikko.saarinen@saarenpaa.example.org.",
                ],
            ),
        ],
    },
    {
        "file": "example_aquaclean_final_report_en.pdf",
        "title": "AquaClean LIFE - Final report",
        "cover": [
            "AquaClean LIFE",
            "Removing pharmaceutical residues at small wastewater treatment plants",
            "Final technical report",
            "Programme: LIFE Environment and Resource Efficiency",
            "Project acronym: AquaClean",
            "Project period: 2018-2021",
            "Total budget: EUR 3 100 000",
            "EU contribution: EUR 1 705 000",
        ],
        "sections": [
            (
                "1 Executive summary",
                [
                    "AquaClean LIFE demonstrated advanced treatment of pharmaceutical residues at three small "
                    "municipal wastewater treatment plants serving between 15 000 and 40 000 inhabitants. Two pilot "
                    "lines were compared: ozonation followed by a sand filter, and granular activated carbon filters. "
                    "In parallel, the project ran information campaigns with pharmacies to reduce the amount of unused "
                    "medicines that reach the sewer in the first place.",
                ],
            ),
            (
                "2 Project partners",
                [
                    "Lead partner: Ådalen Water Utility (Sweden).",
                    "Partner: Riverside Environmental Institute (Finland).",
                    "Partner: Hanseatic Water Research Centre (Germany).",
                    "Associated partner: County Pharmacy Association of Ådalen (Sweden).",
                ],
            ),
            (
                "3 Results",
                [
                    "Both techniques removed more than 80 percent of the selected substances, such as diclofenac, "
                    "carbamazepine and metoprolol, measured as the average over twelve months. Ozonation needed a "
                    "biological post-treatment step to remove transformation products. Activated carbon gave stable "
                    "removal but the carbon had to be replaced more often than expected because of high organic load.",
                    "The pharmacy campaigns increased the amount of returned medicines by 35 percent in the "
                    "participating towns during the campaign months.",
                ],
            ),
            (
                "4 Lessons learned",
                [
                    "Reducing pharmaceutical residues in wastewater needs both end-of-pipe treatment and work at the "
                    "source. Advanced treatment at the plant is effective, but it is expensive for small plants, and "
                    "it does not remove every substance. Returning unused medicines to the pharmacy is the cheapest "
                    "measure and should come first.",
                    "The choice between ozonation and activated carbon depends on local conditions. Laboratory tests "
                    "with the plant's own effluent, including bromide and dissolved organic carbon, must be made before "
                    "a technique is chosen. In our plants with high bromide levels, ozonation would have formed "
                    "bromate, so activated carbon was the safer choice.",
                    "One information campaign is not enough. Return rates fell back within six months after each "
                    "campaign ended. Regular reminders in pharmacies and health centres, and clear messages on why "
                    "medicines must not be flushed, kept return rates higher.",
                    "Hospitals and care homes are important point sources. Agreements with them on returning "
                    "medicines and on monitoring their discharges gave results faster than measures aimed at households.",
                ],
            ),
            (
                "5 Recommendations",
                [
                    "Start with a substance screening and a mass balance for the catchment area. Run pilot tests of at "
                    "least six months on the real effluent. Plan the financing of operation, not only of the "
                    "investment: energy, ozone generation or new carbon make up most of the long-term cost. Combine "
                    "treatment with take-back campaigns led together with pharmacies and the regional health care.",
                ],
            ),
            (
                "6 Contact",
                [
                    "Project coordinator: Karin Holm, Ådalen Water Utility, karin.holm@adalenvatten.example.org, "
                    "+46 611 555 042.",
                ],
            ),
        ],
    },
    {
        "file": "exempel_bredband_landsbygd_slutrapport_sv.pdf",
        "title": "Bredband på landsbygden - slutrapport",
        "cover": [
            "Byanät i Östra Kinda",
            "Bredband på landsbygden genom lokala fiberföreningar",
            "Slutrapport",
            "Program: Europeiska regionala utvecklingsfonden (ERUF), Östra Mellansverige",
            "Projektakronym: ByaFiber",
            "Projektperiod: 2016-2019",
            "Total budget: 12 400 000 kronor",
            "Beviljat EU-stöd: 6 200 000 kronor",
        ],
        "sections": [
            (
                "1 Sammanfattning",
                [
                    "Projektet ByaFiber har stöttat lokala fiberföreningar på landsbygden i östra Kinda att bygga "
                    "bredband till hushåll och företag som inte nåddes av de kommersiella operatörerna. Kommunen "
                    "bidrog med samordning, rådgivning och en gemensam upphandling av grävarbeten. Under projektet "
                    "anslöts 1 140 hushåll och 85 företag till fibernätet.",
                ],
            ),
            (
                "2 Projektparter",
                [
                    "Projektägare: Östra Kinda kommun (exempel), näringslivsenheten.",
                    "Samverkanspart: Föreningen Byanät Öst.",
                    "Samverkanspart: Regionförbundet Östra Mellansverige (exempel).",
                ],
            ),
            (
                "3 Resultat",
                [
                    "Fiber byggdes i tolv byaföreningar. Kostnaden per anslutning blev i genomsnitt 21 000 kronor, "
                    "vilket var lägre än beräknat tack vare samförläggning med elnätsbolagets kablar. Tre företag "
                    "har startat nya tjänster som bygger på snabb uppkoppling.",
                ],
            ),
            (
                "4 Utmaningar",
                [
                    "Det ideella engagemanget var ojämnt fördelat. I några byar bar en eller två personer hela "
                    "arbetet, och när de flyttade stannade projektet av. Markavtal med många fastighetsägare tog lång "
                    "tid, och reglerna för stödet var svåra att förstå för föreningar utan erfarenhet av EU-projekt.",
                ],
            ),
            (
                "5 Lärdomar",
                [
                    "Den viktigaste lärdomen är att lokala fiberföreningar behöver stöd med administration och "
                    "upphandling, inte bara med pengar. En kommunal samordnare som kan regelverket för EU-stöd gjorde "
                    "stor skillnad för föreningarnas tidplan.",
                    "Samförläggning med andra ledningsägare sänker kostnaderna kraftigt. Kontakta elnätsbolag och "
                    "vägföreningar tidigt och följ deras planerade arbeten.",
                    "Dela upp ansvaret i föreningarna på flera personer och dokumentera avtal och beslut så att "
                    "arbetet kan fortsätta om någon lämnar.",
                    "Informera hushållen tidigt om vad en anslutning kostar och vad den ger. Anslutningsgraden blev "
                    "högst i de byar där föreningen höll öppna möten innan grävningen började.",
                ],
            ),
            (
                "6 Rekommendationer",
                [
                    "Kommuner som vill stödja bredbandsutbyggnad på landsbygden bör anställa en samordnare, ta fram "
                    "mallar för markavtal och upphandling, och samordna grävningen med andra infrastrukturprojekt.",
                ],
            ),
            (
                "7 Kontaktpersoner",
                [
                    "Projektledare: Erik Johansson, Östra Kinda kommun, erik.johansson@ostrakinda.example.org, "
                    "013-555 02 10.",
                ],
            ),
        ],
    },
    {
        "file": "exempel_digitalt_stod_hemtjansten_slutrapport_sv.pdf",
        "title": "Digitalt stöd i hemtjänsten - slutrapport",
        "cover": [
            "Digitalt stöd i hemtjänsten",
            "Kompetensutveckling för medarbetare inom äldreomsorgen",
            "Slutrapport",
            "Program: Europeiska socialfonden (ESF+) 2021-2027",
            "Projektakronym: DigiOmsorg",
            "Projektperiod: 2021-2023",
            "Total budget: 8 600 000 kronor",
            "EU-finansiering: 4 300 000 kronor",
        ],
        "sections": [
            (
                "1 Sammanfattning",
                [
                    "DigiOmsorg har höjt den digitala kompetensen hos 320 medarbetare i hemtjänsten i tre kommuner. "
                    "Projektet införde digitala nyckelfria lås, läkemedelspåminnare och videosamtal med brukare, och "
                    "utbildade medarbetare i att använda och förklara tekniken.",
                ],
            ),
            (
                "2 Samverkansparter",
                [
                    "Projektägare: Västerås stad (exempel), vård- och omsorgsförvaltningen.",
                    "Samverkanspart: Mälardalens kompetenscentrum (exempel).",
                ],
            ),
            (
                "3 Resultat",
                [
                    "Nio av tio medarbetare genomförde hela utbildningen. Andelen brukare med videosamtal ökade från "
                    "3 till 18 procent. Restiden minskade något i de grupper som använde digital planering.",
                ],
            ),
            (
                "4 Lärdomar och erfarenheter",
                [
                    "Utbildningen fungerade bäst när den gavs på arbetstid, i små grupper och nära det dagliga arbetet. "
                    "Digitala ombud i varje arbetsgrupp, med avsatt tid för att hjälpa kollegor, var avgörande för att "
                    "tekniken faktiskt användes efter projektet.",
                    "Medarbetare med svenska som andraspråk behövde material på lätt svenska och fler praktiska "
                    "övningar. Chefernas stöd var viktigare än själva tekniken.",
                    "Teknik som införs utan att arbetssätt och scheman ändras används inte. Planera förändringen av "
                    "arbetssättet tillsammans med medarbetarna.",
                ],
            ),
            (
                "5 Kontakt",
                [
                    "Projektledare: Sara Nilsson, Västerås stad (exempel), sara.nilsson@vasteras.example.org, "
                    "021-555 03 30.",
                ],
            ),
        ],
    },
]


class ReportPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 8, f"{MARK}   Page {self.page_no()}", align="C")


def write_report(spec: dict, out_dir: Path) -> Path:
    pdf = ReportPDF(format="A4")
    pdf.set_creation_date(datetime(2025, 1, 15, tzinfo=UTC))
    pdf.set_title(spec["title"])
    pdf.set_author("Lärdomsbanken (example)")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(0, 11, spec["cover"][0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 15)
    pdf.multi_cell(0, 8, spec["cover"][1], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 8, spec["cover"][2], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 11)
    for line in spec["cover"][3:]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    for index, (heading, paragraphs) in enumerate(spec["sections"]):
        if index % 2 == 0:
            pdf.add_page()
        else:
            pdf.ln(4)
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    target = out_dir / spec["file"]
    pdf.output(str(target))
    return target


def main(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_report(spec, out_dir) for spec in REPORTS]


if __name__ == "__main__":
    for path in main(Path(sys.argv[1] if len(sys.argv) > 1 else "samples")):
        print(path)
