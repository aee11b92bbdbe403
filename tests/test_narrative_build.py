"""The author's text is checked before publication: an unknown reference stops the build and
leaves the last publication in place (raw-exports.md, "The annex text the author keeps")."""

from __future__ import annotations

from tests.builders import Register
from tests.helpers import build, figures


def small_register() -> Register:
    register = Register()
    for number in (1, 2):
        register.member(number)
        register.subscribe("2023-01-15", number, 2)
    register.member(3)
    register.subscribe("2024-03-01", 3, 1)
    return register


def write_narrative(settings, text: str) -> None:
    folder = settings.raw_dir / "narrative"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2024.nl.md").write_text(text, encoding="utf-8")


def test_an_unknown_reference_stops_the_build_before_it_publishes(settings):
    register = small_register()
    first = build(settings, register)
    assert first.published, first.errors
    before = settings.publication_path.read_bytes()

    write_narrative(settings, "## introduction\n\nNieuw: {{ p1.new_member }}.\n")
    outcome = build(settings)
    assert not outcome.published
    message = "\n".join(outcome.errors)
    assert "narrative/2024.nl.md, line 3: unknown figure or fact 'p1.new_member'" in message
    assert "Traceback" not in message
    assert settings.publication_path.read_bytes() == before

    write_narrative(settings, "## introduction\n\n{{ p1.new_members }} in {{ governance.x }}\n")
    outcome = build(settings)
    assert not outcome.published
    assert "line 3: unknown figure or fact 'governance.x'" in "\n".join(outcome.errors)

    write_narrative(settings, "## introduction\n\nNieuw: {{ p1.new_members }} in {{ year }}.\n")
    outcome = build(settings)
    assert outcome.published, outcome.errors
    assert figures(settings, 2024)["p1.new_members"] == 1
