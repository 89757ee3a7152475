"""Make the README's screenshots (docs/img/): the HTML report (full page and the PDF's pages)
and annotated video frames, for a squat from the front, a wall squat from the side, a glute
bridge and a stretch.

Needs Chromium + pdftoppm; no pose model and no clip: each clip's recorded pose track
(samples/tracks/) is replayed, so the figures are what `formcheck analyze CLIP --report …
--video …` gives with the full model. The people in the shared clips are third parties: their
frames stay out of the repository, and the overlay is drawn over a mannequin posed by the track.

    python docs/make_screenshots.py            # every case
    python docs/make_screenshots.py squat      # cases whose name contains "squat"
    xvfb-run -s "-screen 0 1280x720x24" python docs/make_screenshots.py --live   # the live window

The routine window's pictures (docs/img/routine-*.png) are the routine command's own snapshots:

    xvfb-run -s "-screen 0 1280x720x24" formcheck routine docs/routines/squat-demo.yaml \
        --source samples/tracks/squat--front-20-reps-counter.track.npz --no-voice --no-save \
        --snapshot-dir snaps   # then copy snaps/00N-STATE-squat.png to docs/img/routine-STATE.png
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from formcheck.engine import ExerciseEngine
from formcheck.landmarks import INDEX, SKELETON
from formcheck.people import PersonSelector
from formcheck.pipeline import Step, run
from formcheck.render.overlay import OverlayAnnotator
from formcheck.render.report import HtmlReportSink, ReportDetails
from formcheck.rules import load_exercise
from formcheck.sources.base import Frame
from formcheck.track import PoseTrack

REPO = Path(__file__).resolve().parent.parent
IMG = REPO / "docs" / "img"
# (case name, clip stem, exercise, seconds of the frames to save, report details)
CASES = [
    ("squat-front", "squat--front-good", "squat", (1.8,), ReportDetails("J. Runner", "A. Physio")),
    # No clip shows the routine's wall squat (45°, up between holds) from the side: the synthetic
    # sample track does, drawn on a plain background.
    (
        "wall-squat-side",
        "synthetic/wall-squat--reps-good",
        "wall-squat",
        (5.0, 7.5),
        ReportDetails("J. Runner", "A. Physio", "Week 3. Knee pain 2/10 after the session."),
    ),
    # done in the wrong position: a 90° wall sit where the rule wants 45°
    ("wall-squat-too-deep", "wall-squat--vivek-dumbbell-side-turf", "wall-squat", (6.0,), ReportDetails()),
    (
        "glute-bridge",
        "glute-bridge--side-mat",
        "glute-bridge",
        (2.2,),
        ReportDetails("J. Runner", "A. Physio"),
    ),
    (
        "hip-flexor-stretch",
        "hip-flexor-stretch--kneeling-home",
        "hip-flexor-stretch",
        (8.0,),
        ReportDetails("J. Runner", "A. Physio"),
    ),
]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]


class FrameGrabber:
    """A sink that keeps the annotated frames nearest the wanted times."""

    def __init__(self, annotator: OverlayAnnotator, times_s: tuple[float, ...]) -> None:
        self.annotator = annotator
        self.wanted = sorted(times_s)
        self.frames: dict[float, object] = {}

    def write(self, step: Step) -> None:
        image = self.annotator.annotate(step.frame.image, step.report) if step.frame is not None else None
        t = step.pose_frame.t_s
        for w in self.wanted:
            if w not in self.frames and t >= w and image is not None:
                self.frames[w] = image

    def finish(self, result: object) -> None:
        pass

    def close(self) -> None:
        pass


def mannequin_frames(track: PoseTrack):  # type: ignore[no-untyped-def]
    """The track's pose frames, each with a picture of the pose on a plain background."""
    for i in range(len(track)):
        pose_frame = track.frame(i)
        w, h = pose_frame.image_size
        canvas = np.full((h, w, 3), (74, 68, 60), np.uint8)
        canvas[round(h * 0.92) :] = (48, 44, 40)  # the floor
        if pose_frame.poses:  # a mannequin, so the thumbnails show the posture
            xy = pose_frame.poses[0].pixel_xy(w, h).astype(int)
            for a, b in SKELETON:
                pa, pb = xy[INDEX[a]], xy[INDEX[b]]
                cv2.line(
                    canvas,
                    (int(pa[0]), int(pa[1])),
                    (int(pb[0]), int(pb[1])),
                    (150, 160, 170),
                    14,
                    cv2.LINE_AA,
                )
        yield Frame(i, pose_frame.t_ms, canvas), pose_frame


def _track(stem: str) -> Path:
    """The clip's recorded pose track: in samples/tracks/, or a folder in FORMCHECK_TRACK_DIRS
    (tracks recorded but not yet committed)."""
    folders = [
        REPO / "samples" / "tracks",
        *map(Path, os.environ.get("FORMCHECK_TRACK_DIRS", "").split(os.pathsep)),
    ]
    for folder in folders:
        if (folder / f"{stem}.track.npz").is_file():
            return folder / f"{stem}.track.npz"
    raise SystemExit(f"no pose track of {stem} in {', '.join(map(str, folders))}")


def chromium(*args: str) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "needs chromium"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], check=True,
                       capture_output=True)  # fmt: skip


def make(case: tuple, out: Path) -> None:  # type: ignore[type-arg]
    name, stem, exercise_id, times, details = case
    exercise = load_exercise(exercise_id)
    synthetic = stem.startswith("synthetic/")
    track = PoseTrack.load(REPO / "samples" / f"{stem}.track.npz" if synthetic else _track(stem))
    source_name = f"{stem.removeprefix('synthetic/')} (synthetic track)" if synthetic else f"{stem}.mp4"
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / f"{name}.html"
        pdf = Path(tmp) / f"{name}.pdf"
        grabber = FrameGrabber(OverlayAnnotator(exercise), times)
        sinks = [
            HtmlReportSink(html, exercise, source_name=source_name, details=details),
            HtmlReportSink(pdf, exercise, source_name=source_name, details=details),
            grabber,
        ]
        run(mannequin_frames(track), ExerciseEngine(exercise), selector=PersonSelector(), sinks=sinks)
        for i, image in enumerate(grabber.frames.values(), 1):
            cv2.imwrite(str(out / f"overlay-{name}{'' if i == 1 else f'-{i}'}.png"), image)  # type: ignore[arg-type]
        shot = out / f"report-{name}.png"
        chromium("--window-size=1000,1400", "--screenshot=" + str(shot), html.as_uri())
        pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        print(name, next(line for line in pages.splitlines() if line.startswith("Pages")))
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(out / f"report-{name}-pdf")], check=True
        )
        if os.environ.get("KEEP_HTML"):
            shutil.copy(html, out / f"{name}.html")
        full = out / f"report-{name}-full.png"
        chromium("--window-size=1000,4200", "--screenshot=" + str(full), html.as_uri())
        _crop_background(full)


def _crop_background(path: Path) -> None:
    """Cut the empty page background below the report's footer off a full-page screenshot."""
    image = cv2.imread(str(path))
    rows = (image != image[-1, :, :]).any(axis=(1, 2)).nonzero()[0]
    if len(rows):
        cv2.imwrite(str(path), image[: min(image.shape[0], rows[-1] + 24)])


# A landscape clip: the window is the frame's size, and a portrait one would be taller than
# the virtual screen.
def live_window(out: Path, stem: str = "glute-bridge--side-mat",
                exercise_id: str = "glute-bridge", at_s: float = 5.0) -> None:  # fmt: skip
    """The live window (the real one, on the X display) as a track is played at its own pace."""
    import time

    from formcheck.live.window import LiveWindow

    exercise = load_exercise(exercise_id)
    window = LiveWindow(show_fps=True)
    window.start_set(exercise)
    start = time.monotonic()

    def paced():  # type: ignore[no-untyped-def]
        for frame, pose_frame in mannequin_frames(PoseTrack.load(_track(stem))):
            if pose_frame.t_s > at_s:
                return
            time.sleep(max(0.0, start + pose_frame.t_s - time.monotonic()))
            yield frame, pose_frame

    run(paced(), ExerciseEngine(exercise), selector=PersonSelector(), sinks=[window])
    window.poll(200)
    grab = subprocess.run(["xwd", "-root", "-silent"], check=True, capture_output=True).stdout
    subprocess.run(["convert", "xwd:-", str(out / "live.png")], input=grab, check=True)
    window.destroy()


def main(args: list[str]) -> int:
    out = Path(os.environ.get("FORMCHECK_IMG_OUT", IMG))  # elsewhere, to look before replacing
    out.mkdir(parents=True, exist_ok=True)
    if args == ["--live"]:
        live_window(out)
        return 0
    for case in CASES:
        if not args or any(a in case[0] for a in args):
            make(case, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
