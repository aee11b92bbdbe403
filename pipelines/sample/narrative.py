"""A sample of the annex text the author keeps (`narrative/2024.<lang>.md`).

A few sections only, in words written for the sample (not the annex it imitates), so that the
sample build shows the mechanism: the author's paragraphs under their section, figures and
governance facts filled in from references, and the marker where a section has no text yet.
"""

from __future__ import annotations

from pathlib import Path

NARRATIVE_2024: dict[str, str] = {
    "nl": """\
## introduction

Dit jaar staat in het teken van groei: {{ governance.cooperative.name }} verwelkomde
{{ p1.new_members }} nieuwe vennoten en telde er eind {{ year }} {{ p1.members_end }}.

## p2.ethics_committee

Het comité geeft advies wanneer een team of een vennoot een vraag over de waarden van de
coöperatie voorlegt. Het beslist niet in de plaats van de bevoegde organen, maar helpt hen
een standpunt in te nemen. Meer uitleg staat op [de website](https://example.org/ethiek).

## p2.participation

Naast de algemene vergadering zoeken we voortdurend naar manieren waarop vennoten mee
kunnen denken: kleine werkgroepen, online bevragingen en ontmoetingen in de regio's.

#### Wat we willen verbeteren

Vennoten die minder vaak deelnemen, willen we beter bereiken, onder meer met korte
uitleg in eenvoudige taal.

## p7

{{ governance.cooperative.name }} wil meer zijn dan een dienstverlener: de vennoten
bouwen samen aan een gemeenschap die kennis deelt en elkaar ondersteunt.
""",
    "fr": """\
## introduction

Cette année a été marquée par la croissance : {{ governance.cooperative.name }} a accueilli
{{ p1.new_members }} nouveaux coopérateurs et en comptait {{ p1.members_end }} fin {{ year }}.

## p2.ethics_committee

Le comité rend un avis lorsqu'une équipe ou un coopérateur lui soumet une question sur les
valeurs de la coopérative. Il ne décide pas à la place des organes compétents, mais les aide
à prendre position. Plus d'informations sur [le site](https://example.org/ethique).

## p2.participation

Au-delà de l'assemblée générale, nous cherchons sans cesse des façons d'associer les
coopérateurs : petits groupes de travail, consultations en ligne et rencontres en région.

#### Ce que nous voulons améliorer

Nous voulons mieux toucher les coopérateurs qui participent moins souvent, notamment par
des explications courtes en langage clair.

## p7

{{ governance.cooperative.name }} veut être plus qu'un prestataire de services : les
coopérateurs construisent ensemble une communauté qui partage ses savoirs et s'entraide.
""",
}


def write_narrative(out_dir: Path) -> list[Path]:
    """Write `out_dir/narrative/2024.nl.md` and `2024.fr.md` (UTF-8); returns their paths."""
    folder = Path(out_dir) / "narrative"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for lang, text in NARRATIVE_2024.items():
        path = folder / f"2024.{lang}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
