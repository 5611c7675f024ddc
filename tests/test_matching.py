"""Matching: exact and near duplicates, keep policies, clusters, determinism."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from conftest import run_dedup

from dedup.api import check_texts, clean
from dedup.normalize import normalize, words
from dedup.settings import Settings

BASE = (
    "The museum reopened on Monday after a two-year renovation that added a glass roof over the central "
    "courtyard, new galleries for the textile collection and a cafe overlooking the river."
)
EDITED = BASE.replace("reopened", "opened").replace("central", "main")  # 2 words of 30 edited
OTHER = (
    "Heavy snow closed the mountain pass for the third time this winter, and the road authority said "
    "it would not reopen before the weekend because of the avalanche risk on the upper slopes."
)


def test_normalised_key_folds_case_quotes_dashes_and_space() -> None:
    assert normalize("  “Smart”  quotes — and\u00a0SPACES\n") == normalize('"smart" quotes - and spaces')
    assert normalize("Ｆｕｌｌ width") == "full width"
    assert words(normalize("It's a co-op, isn't it?")) == ["it", "s", "a", "co", "op", "isn", "t", "it"]


def test_exact_duplicate_ignores_case_and_typography() -> None:
    result = check_texts({"a.txt": f"{BASE}\n\n{BASE.upper().replace(',', ',')}\n"})
    assert [(f.rule, f.similarity) for f in result.findings] == [("DUP001", 1.0)]


def test_near_duplicate_reports_verified_similarity() -> None:
    result = check_texts({"a.txt": BASE + "\n", "b.txt": EDITED + "\n"})
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert finding.rule == "DUP002"
    assert finding.path == "b.txt"
    assert finding.duplicate_of is not None and finding.duplicate_of.path == "a.txt"
    n = len(words(normalize(BASE)))
    # Two ordinary words replaced: each side keeps n - 2 of n words of weight 1
    # (the names "Monday" weigh 3 on both sides).
    weight = n + 2 * 1  # "The" is a function word, "Monday" a name (3 = 1 + 2)
    assert finding.similarity == round((weight - 2) / weight, 4)


def test_unrelated_paragraphs_are_not_reported() -> None:
    assert check_texts({"a.txt": BASE + "\n", "b.txt": OTHER + "\n"}).findings == []


def test_exact_only_mode() -> None:
    result = check_texts({"a.txt": BASE + "\n", "b.txt": EDITED + "\n"}, Settings(near=False))
    assert result.findings == []


def test_short_structural_lines_are_kept() -> None:
    text = "History.\n\nFirst para about the history of the town.\n\nHistory.\n\nSecond para about something else.\n\n* * *\n\n* * *\n"
    assert check_texts({"a.txt": text}).findings == []


def test_n_way_cluster_and_keep_policies() -> None:
    longer = BASE.replace("a cafe", "a small cafe")
    texts = {"a.txt": BASE + "\n", "b.txt": longer + "\n", "c.txt": BASE + "\n", "d.txt": EDITED + "\n"}
    first = check_texts(texts)
    assert len(first.clusters) == 1
    cluster = first.clusters[0]
    assert len(cluster.members) == 4
    assert sorted(f.path for f in first.findings) == ["b.txt", "c.txt", "d.txt"]
    assert {f.duplicate_of.path for f in first.findings if f.duplicate_of} == {"a.txt"}

    longest = check_texts(texts, Settings(keep="longest"))
    assert sorted(f.path for f in longest.findings) == ["a.txt", "c.txt", "d.txt"]
    assert {f.duplicate_of.path for f in longest.findings if f.duplicate_of} == {"b.txt"}

    none = check_texts(texts, Settings(keep="none"))
    assert sorted(f.path for f in none.findings) == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert all(change.cleaned == b"" for change in clean(none).changes)
    assert first.clusters[0].id == none.clusters[0].id  # ids come from content


def test_cluster_ids_are_stable_when_files_are_added() -> None:
    one = check_texts({"a.txt": BASE + "\n", "c.txt": BASE + "\n"})
    two = check_texts(
        {"0.txt": OTHER + "\n", "a.txt": BASE + "\n", "c.txt": BASE + "\n", "z.txt": OTHER + "\n"}
    )
    ids_one = {c.id for c in one.clusters}
    assert ids_one <= {c.id for c in two.clusters}


def test_output_does_not_depend_on_argument_order(tmp_path: Path) -> None:
    names = []
    for i, text in enumerate([BASE, EDITED, OTHER, BASE, OTHER]):
        path = tmp_path / f"f{i}.txt"
        path.write_text(text + "\n")
        names.append(path.name)
    outputs = set()
    for order in itertools.islice(itertools.permutations(names), 0, 120, 17):
        run = run_dedup(["check", *order, "--format", "json"], cwd=tmp_path)
        assert run.code == 1
        outputs.add(run.stdout)
    assert len(outputs) == 1
    report = json.loads(outputs.pop())
    assert report["summary"]["duplicate_paragraphs"] == 3


def test_cross_file_duplicates_in_directory(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(f"# Title\n\n{BASE}\n")
    (tmp_path / "docs" / "b.txt").write_text(f"{OTHER}\n\n{BASE}\n")
    (tmp_path / "docs" / "ignored.csv").write_text(f"{BASE}\n")
    run = run_dedup(["check", "docs", "--format", "concise"], cwd=tmp_path)
    assert run.code == 1
    assert "docs/b.txt:3:3: DUP001 exact duplicate of docs/a.md:3" in run.stdout
    assert "ignored.csv" not in run.stdout
    assert "2 files checked" in run.stdout


TAIL = (
    "The village lies on a low hill above the river, surrounded by orchards and small fields of wheat and "
    "maize, and it is connected to the county road by a narrow paved lane that was built after the war."
)
VILLAGES = [
    "Dravenik is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 412 inhabitants, most of them farmers. " + TAIL,
    "Lutomir is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 87 inhabitants, most of them farmers. " + TAIL,
    "Sestrinec is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 1,046 inhabitants, most of them farmers. " + TAIL,
    "Kamenjak is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 230 inhabitants, most of them farmers. " + TAIL,
]


def test_template_family_is_not_reported_but_a_light_edit_in_it_is() -> None:
    from dedup.verify import fact_substitution, prepare, similarity

    assert fact_substitution(prepare(VILLAGES[0]), prepare(VILLAGES[1]))
    # Alike enough that, taken one pair at a time, they would be near duplicates.
    assert similarity(prepare(VILLAGES[0]), prepare(VILLAGES[1])) >= Settings().threshold
    edited = VILLAGES[2].replace("most of them", "nearly all of them")
    assert not fact_substitution(prepare(VILLAGES[2]), prepare(edited))
    texts = {f"v{i}.txt": text + "\n" for i, text in enumerate([*VILLAGES, edited])}
    result = check_texts(texts)
    # The four villages are one template filled in four times: no duplicates
    # between them; the edited copy of one village is still found.
    assert [(f.rule, f.path, f.duplicate_of.path if f.duplicate_of else None) for f in result.findings] == [
        ("DUP002", "v4.txt", "v2.txt")
    ]


# Paragraphs of one template, written for these tests.
WARD = "{name} is an administrative ward in the Kelemba District of the Orovia Region of Tarsland."
RACE = (
    "The {who}'s {event} final at the 2031 Northern Games in Velmora was held on {day} March at the "
    "Velmora Harbour Arena before a crowd of several thousand people."
)


def test_a_filled_in_template_is_not_a_near_duplicate_but_a_light_edit_is() -> None:
    from dedup.verify import TEMPLATE, filled_template, prepare, similarity, verified

    a, b = prepare(WARD.format(name="Kasimba")), prepare(WARD.format(name="Lutoro"))
    threshold = Settings().threshold
    # Alike by the measure alone...
    assert similarity(a, b) >= threshold
    # ...but the subject was swapped for another name: another ward.
    assert filled_template(a, b) and filled_template(b, a)
    assert verified(a, b, threshold) == TEMPLATE
    # A number swapped for a number, anywhere, is a filling too.
    dated = (
        "The bridge over the Sela river was opened in {year} after four years of building work by the county."
    )
    assert filled_template(prepare(dated.format(year=1931)), prepare(dated.format(year=1958)))
    # One ordinary word changed is a light edit.
    edited = prepare(WARD.format(name="Kasimba").replace("administrative", "local"))
    assert not filled_template(a, edited)
    # One name further on replaced by another name is left to the threshold.
    moved = prepare(WARD.format(name="Kasimba").replace("Orovia", "Denmor"))
    assert not filled_template(a, moved)
    texts = {
        "a.txt": WARD.format(name="Kasimba") + "\n",
        "b.txt": WARD.format(name="Lutoro") + "\n",
        "c.txt": WARD.format(name="Kasimba").replace("administrative", "local") + "\n",
    }
    result = check_texts(texts)
    assert [(f.path, f.duplicate_of.path if f.duplicate_of else None) for f in result.findings] == [
        ("c.txt", "a.txt")
    ]


def test_two_fillings_of_a_template_do_not_share_a_cluster_through_their_leader() -> None:
    from dedup.verify import prepare, verified

    leader = RACE.format(who="Women", event="hurdles", day=23)
    men = RACE.format(who="Men", event="relay", day=23)
    later = RACE.format(who="Women", event="sprint", day=29)
    threshold = Settings().threshold
    # Each is near the leader; the two are not near each other.
    assert verified(prepare(leader), prepare(men), threshold) >= threshold
    assert verified(prepare(leader), prepare(later), threshold) >= threshold
    assert verified(prepare(men), prepare(later), threshold) < threshold
    result = check_texts({"a.txt": leader + "\n", "b.txt": men + "\n", "c.txt": later + "\n"})
    clusters: dict[str | None, set[str]] = {}
    for f in result.findings:
        clusters.setdefault(f.cluster, set()).update(
            {f.path, f.duplicate_of.path if f.duplicate_of else f.path}
        )
    assert not any({"b.txt", "c.txt"} <= members for members in clusters.values())
