"""People leaving and entering the frame, on a real recorded track."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from formcheck.engine import ExerciseEngine
from formcheck.pipeline import run
from formcheck.pose import PoseFrame
from formcheck.rules import load_exercise
from formcheck.track import PoseTrack

TRACK = Path(__file__).resolve().parents[1] / "samples" / "tracks" / "squat--front-20-reps-counter.track.npz"


def _without_people(track: PoseTrack, gap_s: tuple[float, float]) -> Iterator[tuple[None, PoseFrame]]:
    for pf in track:
        if gap_s[0] <= pf.t_s < gap_s[1]:
            pf = PoseFrame(pf.index, pf.t_ms, pf.image_size, ())
        yield None, pf


def test_nobody_in_frame_then_back_gives_no_phantom_rep() -> None:
    track = PoseTrack.load(TRACK)
    squat = load_exercise("squat")
    before = run(_without_people(track, (0, 0)), ExerciseEngine(squat)).result.to_dict()
    # The person vanishes for 4 s in the middle of the set, mid-rep at both ends of the gap.
    reps = [r["t_s"] for r in before["rep_events"]]
    gap = (reps[5] - 0.3, reps[9] + 0.3)
    after = run(_without_people(track, gap), ExerciseEngine(squat)).result.to_dict()

    kinds = {n["kind"] for n in after["notices"]}
    assert "no_person" in kinds
    times = [r["t_s"] for r in after["rep_events"]]
    assert not [t for t in times if gap[0] <= t < gap[1]], "a rep was counted while nobody was seen"
    # Every rep counted after the gap is a real rep of the uninterrupted run (no phantom rep
    # from the jump between the pose before and after the gap), and counting resumed.
    assert all(min(abs(t - r) for r in reps) < 0.5 for t in times)
    assert [t for t in times if t >= gap[1]], "counting did not resume when the person came back"
    assert after["reps"]["total"] <= before["reps"]["total"] - 4
    assert after["pose_coverage"] < before["pose_coverage"]
    assert not [f for f in after["faults"] if gap[0] <= f["start_s"] < gap[1]]
