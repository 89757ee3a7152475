"""What a batch is made of: files, folders, globs and CSV manifests, each input named uniquely."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.analysis import AnalysisSettings, Outputs
from formcheck.batch import BatchItem, dedupe, expand, name_items, plan, read_manifest
from formcheck.errors import InputError, RuleError, UsageError


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in (
        "a/one.mp4",
        "a/two.MOV",
        "a/notes.txt",
        "a/.hidden.mp4",
        "a/deep/three.track.npz",
        "a/.cache/four.mp4",
        "a/out/annotated.mp4",
        "b/one.mp4",
    ):
        _touch(tmp_path / rel)
    return tmp_path


def _names(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_a_folder_gives_every_video_and_track_below_it_but_not_hidden_files_or_output_folders(
    tree: Path,
) -> None:
    found = expand(tree / "a", exclude=[tree / "a" / "out"])
    assert _names(found, tree) == ["a/one.mp4", "a/two.MOV", "a/deep/three.track.npz"]
    assert all(p.is_absolute() for p in found)


def test_a_glob_matches_inputs_only_and_a_file_is_kept_even_when_missing(tree: Path) -> None:
    assert _names(expand(str(tree / "*" / "one.mp4")), tree) == ["a/one.mp4", "b/one.mp4"]
    assert _names(expand(str(tree / "a" / "**" / "*")), tree) == [
        "a/deep/three.track.npz",
        "a/one.mp4",
        "a/out/annotated.mp4",
        "a/two.MOV",
    ]
    missing = tree / "gone.mp4"
    assert expand(missing) == [missing]  # fails alone later, with "video not found"


def test_a_folder_or_glob_that_yields_nothing_is_an_error(tree: Path) -> None:
    (tree / "empty").mkdir()
    with pytest.raises(UsageError, match="no videos or pose tracks in folder"):
        expand(tree / "empty")
    with pytest.raises(UsageError, match="no videos or pose tracks match"):
        expand(str(tree / "*.mkv"))


def test_colliding_stems_get_their_folder_then_exercise_then_a_number(tree: Path) -> None:
    items = [
        BatchItem(tree / "a/one.mp4", "squat"),
        BatchItem(tree / "b/one.mp4", "squat"),
        BatchItem(tree / "a/two.MOV", "squat"),
        BatchItem(tree / "a/two.MOV", "lunge"),
    ]
    assert [i.name for i in name_items(items)] == ["a-one", "b-one", "a-two-squat", "a-two-lunge"]
    twice = [BatchItem(Path("/x/a/c.mp4"), "squat"), BatchItem(Path("/y/a/c.mp4"), "squat")]
    assert [i.name for i in name_items(twice)] == ["a-c-squat", "a-c-squat-2"]


def test_the_same_file_twice_is_analysed_once(tree: Path) -> None:
    one = tree / "a/one.mp4"
    items = [BatchItem(one, "squat"), BatchItem(tree / "a/../a/one.mp4", "squat"), BatchItem(one, "lunge")]
    assert [(i.path, i.exercise) for i in dedupe(items)] == [(one, "squat"), (one, "lunge")]


def test_a_manifest_mixes_exercises_and_people_relative_to_its_folder(tree: Path) -> None:
    manifest = tree / "batch.csv"
    manifest.write_text(
        "\ufeffInput,Exercise,Person,patient\n"  # a spreadsheet's BOM and capitals; an extra column
        "a/one.mp4,squat,,p1\n"
        "\n"
        f"{tree / 'b' / 'one.mp4'},lunge,left,p2\n"
        "a/deep,,,p3\n",
        encoding="utf-8",
    )
    items = read_manifest(manifest, default_exercise="wall-squat")
    assert [(i.path.relative_to(tree).as_posix(), i.exercise, i.person) for i in items] == [
        ("a/one.mp4", "squat", None),
        ("b/one.mp4", "lunge", "left"),
        ("a/deep/three.track.npz", "wall-squat", None),
    ]
    assert items[1].origin == f"{manifest}:4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,exercise\na.mp4,squat\n", "first row must name the columns input,exercise"),
        ("input,exercise\na/one.mp4,\n", "batch.csv:2: no exercise for a/one.mp4"),
        ("input,exercise\na/one.mp4,auto\n", "batch.csv:2: exercise 'auto' needs exercise recognition"),
        ("input,exercise\n,squat\n", "batch.csv:2: the input column is empty"),
        ("input,exercise\nnothing/*.mp4,squat\n", "batch.csv:2: no videos or pose tracks match"),
        ("input,exercise\n", "no inputs listed"),
    ],
)
def test_a_bad_manifest_names_its_line(tree: Path, text: str, message: str) -> None:
    manifest = tree / "batch.csv"
    manifest.write_text(text)
    with pytest.raises(UsageError, match=message.replace("*", r"\*").replace("(", r"\(")):
        read_manifest(manifest, default_exercise=None)


def test_a_missing_manifest_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="manifest not found"):
        read_manifest(tmp_path / "nope.csv", default_exercise="squat")


def test_an_unknown_exercise_in_a_manifest_stops_the_batch_before_any_work(tree: Path) -> None:
    manifest = tree / "batch.csv"
    manifest.write_text("input,exercise\na/one.mp4,squat\nb/one.mp4,sqaut\n")
    items = name_items(read_manifest(manifest, default_exercise=None))
    with pytest.raises(RuleError, match=r"batch.csv:3: unknown exercise 'sqaut' \(did you mean 'squat'\?\)"):
        plan(items, outputs=Outputs(), settings=AnalysisSettings())


def test_plan_puts_each_output_in_its_folder_under_the_unique_name(tree: Path) -> None:
    items = name_items(
        [BatchItem(tree / "a/one.mp4", "squat"), BatchItem(tree / "b/one.mp4", "squat", "left")]
    )
    tasks = plan(items, outputs=Outputs(json=Path("res"), report=tree / "rep"), settings=AnalysisSettings())
    assert tasks[0].outputs.json == Path("res").absolute() / "a-one.json"
    assert tasks[1].outputs.report == tree / "rep" / "b-one.html"
    assert tasks[0].outputs.csv is None and tasks[0].outputs.video is None
    assert (tasks[0].settings.person, tasks[1].settings.person) == ("auto", "left")
    assert tasks[0].exercise.id == "squat" and tasks[0].exercise is tasks[1].exercise
