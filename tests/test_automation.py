"""The service's automation: the sensor waits for real changes; what the build warns about."""

from __future__ import annotations

import os
import time

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs.automation import QUIET_SECONDS


def test_a_hand_edited_governance_or_narrative_file_is_no_real_export_beside_the_sample(tmp_path):
    from pipelines.lib.rawfiles import sample_mix
    from pipelines.sample import write_sample

    out = tmp_path / "raw"
    write_sample(out)
    governance = next((out / "governance").glob("*.yaml"))
    governance.write_text(governance.read_text() + "\n# corrected by the secretariat\n")
    (out / "governance" / "2025.yaml").write_text("year: 2025\n")
    (out / "narrative").mkdir(exist_ok=True)
    (out / "narrative" / "2024.nl.md").write_text("## p2.ethics_committee\nTekst.\n")
    assert sample_mix(out) is None
    real = out / "training" / "member_courses_2025.csv"
    real.write_text("x\n")
    said = sample_mix(out)
    assert said is not None
    assert (
        "with 1 file that is not the sample's as it wrote it (training/member_courses_2025.csv)"
        in said
    )
    real.unlink()
    register = next((out / "register").glob("*.csv"))  # a real export under the sample's name
    register.write_text(register.read_text() + "")
    os.utime(register, (1, 1))
    said = sample_mix(out)
    assert said is not None and register.relative_to(out).as_posix() in said


def _aged(path, seconds: float = QUIET_SECONDS + 5) -> None:
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_an_unchanged_raw_folder_starts_no_build_at_start_up(settings):
    from tests.builders import Register
    from tests.helpers import build

    sensor = defs().resolve_sensor_def("raw_exports_changed")
    register = Register()
    register.member(1)
    register.subscribe("2023-03-01", 1, 2)
    register.write(settings.raw_dir)
    for path in settings.raw_dir.rglob("*"):
        _aged(path)
    # no publication yet: the first look builds
    assert len(sensor(dg.build_sensor_context(cursor=None)).run_requests) == 1
    assert build(settings).published
    # a new instance (or `dg dev`, whose instance is temporary) looks for the first time
    first = sensor(dg.build_sensor_context(cursor=None))
    assert not first.run_requests
    assert first.skip_reason.skip_message.startswith("the raw folder is as the last build left it")
    assert first.cursor  # the next look compares with this state
    assert sensor(dg.build_sensor_context(cursor=first.cursor)).skip_reason.skip_message == (
        "no raw export changed"
    )
    # an export copied in with its old modification time kept (cp -p) is a change
    copied = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    copied.parent.mkdir(exist_ok=True)
    copied.write_text("member_number\n1\n")
    _aged(copied, 86400)
    assert len(sensor(dg.build_sensor_context(cursor=None)).run_requests) == 1
    assert len(sensor(dg.build_sensor_context(cursor=first.cursor)).run_requests) == 1


def test_an_export_removed_since_the_last_build_is_a_change(settings):
    from tests.builders import Register
    from tests.helpers import build

    sensor = defs().resolve_sensor_def("raw_exports_changed")
    register = Register()
    register.member(1)
    register.subscribe("2023-03-01", 1, 2)
    register.write(settings.raw_dir)
    extra = settings.raw_dir / "register" / "notes.csv"  # warned about, not read
    extra.write_text("a note\n")
    for path in settings.raw_dir.rglob("*"):
        _aged(path)
    assert build(settings).published
    assert not sensor(dg.build_sensor_context(cursor=None)).run_requests
    time.sleep(0.01)
    extra.unlink()
    assert len(sensor(dg.build_sensor_context(cursor=None)).run_requests) == 1


def test_a_folder_put_back_as_it_was_builds_again(settings):
    """The sensor's runs carry no run key: Dagster would drop a request whose key it has seen."""
    sensor = defs().resolve_sensor_def("raw_exports_changed")
    export = settings.raw_dir / "register" / "cooperators.csv"  # an export by folder and name
    export.parent.mkdir(exist_ok=True)
    export.write_text("cooperator_register_number\n1\n")
    _aged(export)
    first = sensor(dg.build_sensor_context(cursor=None))
    assert [request.run_key for request in first.run_requests] == [None]


def test_an_empty_raw_folder_starts_no_build(settings):
    sensor = defs().resolve_sensor_def("raw_exports_changed")
    (settings.raw_dir / ".DS_Store").write_bytes(b"\0")
    empty = sensor(dg.build_sensor_context(cursor=None))
    assert not empty.run_requests
    assert empty.skip_reason.skip_message == (
        f"no export in {settings.raw_dir} (docs/raw-exports.md)"
    )
    export = settings.raw_dir / "register" / "cooperators.csv"  # an export by folder and name
    export.parent.mkdir(exist_ok=True)
    export.write_text("cooperator_register_number\n1\n")
    _aged(export)
    assert len(sensor(dg.build_sensor_context(cursor=empty.cursor)).run_requests) == 1


def test_the_authors_text_or_template_changed_is_a_change_to_build(settings):
    """narrative/ is no export (no sample mix), but the build reads it: a change starts one."""
    from pipelines.defs.automation import raw_state

    export = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    export.parent.mkdir()
    export.write_text("member_number\n1\n")
    before = raw_state(settings)[0]
    folder = settings.raw_dir / "narrative"
    folder.mkdir()
    (folder / "notes.txt").write_text("not the annex's text")
    assert raw_state(settings)[0] == before
    (folder / "2024.nl.md").write_text("## introduction\nTekst.\n")
    with_text = raw_state(settings)[0]
    assert with_text != before
    (folder / "template.docx").write_bytes(b"PK")
    assert raw_state(settings)[0] not in (before, with_text)


def test_the_authors_text_linked_out_of_the_raw_folder_is_an_error(settings, tmp_path):
    from pipelines.lib.outputs.narrative import NarrativeError, read_narrative

    outside = tmp_path / "elsewhere.md"
    outside.write_text("## introduction\nTekst.\n")
    folder = settings.raw_dir / "narrative"
    folder.mkdir()
    (folder / "2024.nl.md").symlink_to(outside)
    with pytest.raises(NarrativeError, match=r"2024\.nl\.md: is a link to a file outside"):
        read_narrative(settings.raw_dir, 2024, "nl")
