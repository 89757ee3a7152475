"""Pose tracks: a recorded pose sequence, so everything after pose estimation can run
without the model or the video.

File format (``.npz``, written by ``numpy.savez_compressed``; format ``formcheck.track/1``):

=================  ==========================  ===============================================
array              dtype, shape                meaning
=================  ==========================  ===============================================
``meta``           0-d unicode string          JSON: format, fps, frame size, frame count,
                                               model variant and sha256, source file name and
                                               sha256, formcheck version, recorded_at;
                                               ``truncated`` when the video was cut short
                                               (``message``, ``ends_at_s``, ``notice``)
``frame_index``    int32 (N,)                  index of each frame in the source
``t_ms``           int64 (N,)                  timestamp of each frame, strictly increasing
``pose_count``     uint8 (N,)                  number of poses seen in each frame
``landmarks``      float32 (M, 33, 5)          all poses, frame after frame (M = sum of counts)
``world``          float32 (M, 33, 3)          world landmarks (metres) of the same poses
=================  ==========================  ===============================================

Values are stored exactly as the estimator returned them (float32), so a replay is bit-exact.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import InputError, OutputError, TruncatedInput
from formcheck.files import replacing
from formcheck.landmarks import COUNT
from formcheck.pose import Pose, PoseFrame

FORMAT = "formcheck.track/1"
SUFFIX = ".track.npz"


def is_track_path(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith(SUFFIX)


@dataclass
class PoseTrack:
    """A whole recorded pose sequence, held as column arrays."""

    meta: dict[str, Any]
    frame_index: np.ndarray
    t_ms: np.ndarray
    pose_count: np.ndarray
    landmarks: np.ndarray
    world: np.ndarray
    _offsets: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._offsets = np.concatenate([[0], np.cumsum(self.pose_count, dtype=np.int64)])

    def __len__(self) -> int:
        return len(self.t_ms)

    @property
    def image_size(self) -> tuple[int, int]:
        w, h = self.meta["frame_size"]
        return int(w), int(h)

    @property
    def fps(self) -> float:
        return float(self.meta.get("fps") or 0.0)

    @property
    def truncation(self) -> TruncatedInput | None:
        """Why the track ends before its video did (a file cut short), as the video said it
        when it was recorded; None for a whole video. A replay ends with it, as the video did."""
        cut = self.meta.get("truncated")
        if not isinstance(cut, dict):
            return None
        return TruncatedInput(
            str(cut.get("message", "the video was cut short")),
            ends_at_s=float(cut.get("ends_at_s", 0.0)),
            notice=str(cut.get("notice", "the video was cut short")),
        )

    @property
    def pose_coverage(self) -> float:
        """Share of frames in which at least one pose was seen."""
        return float(np.count_nonzero(self.pose_count) / len(self)) if len(self) else 0.0

    def frame(self, i: int) -> PoseFrame:
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        poses = tuple(Pose(self.landmarks[k], self.world[k]) for k in range(lo, hi))
        return PoseFrame(int(self.frame_index[i]), int(self.t_ms[i]), self.image_size, poses)

    def __iter__(self) -> Iterator[PoseFrame]:
        for i in range(len(self)):
            yield self.frame(i)

    @classmethod
    def from_frames(cls, frames: Iterable[PoseFrame], meta: dict[str, Any]) -> PoseTrack:
        index, times, counts, lms, worlds = [], [], [], [], []
        for f in frames:
            index.append(f.index)
            times.append(f.t_ms)
            counts.append(len(f.poses))
            for p in f.poses:
                lms.append(p.landmarks)
                worlds.append(p.world if p.world is not None else np.full((COUNT, 3), np.nan))
        return cls(
            meta=dict(meta, format=FORMAT, frame_count=len(times)),
            frame_index=np.asarray(index, dtype=np.int32),
            t_ms=np.asarray(times, dtype=np.int64),
            pose_count=np.asarray(counts, dtype=np.uint8),
            landmarks=np.asarray(lms, dtype=np.float32).reshape(-1, COUNT, 5),
            world=np.asarray(worlds, dtype=np.float32).reshape(-1, COUNT, 3),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically: a crash never leaves a half-written track under ``path``."""
        target = Path(path)
        if not is_track_path(target):
            target = target.with_name(target.name + SUFFIX)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"cannot write pose track {target}: {err.strerror or err}") from err
        with replacing(target, what="pose track") as fh:
            np.savez_compressed(
                fh,
                meta=np.array(json.dumps(self.meta, sort_keys=True)),
                frame_index=self.frame_index,
                t_ms=self.t_ms,
                pose_count=self.pose_count,
                landmarks=self.landmarks,
                world=self.world,
            )
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PoseTrack:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"pose track not found: {p}")
        if not zipfile.is_zipfile(p):
            # (np.load would take it for a pickle and say so, with advice to unpickle it)
            reason = "not a .npz archive: another kind of file, or cut short"
            raise InputError(f"not a formcheck pose track: {p} ({reason})")
        try:
            with np.load(p, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {k: z[k] for k in ("frame_index", "t_ms", "pose_count", "landmarks", "world")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise InputError(f"not a formcheck pose track: {p} ({reason})") from err
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise InputError(f"unsupported pose track format {found!r} in {p}; expected {FORMAT}")
        problem = _shape_problem(arrays)
        if problem:
            raise InputError(f"pose track is inconsistent ({problem}): {p}")
        if "frame_size" not in meta:
            raise InputError(f"pose track has no frame size in its metadata: {p}")
        return cls(meta=meta, **arrays)


def _shape_problem(a: dict[str, np.ndarray]) -> str | None:
    """Why the arrays of a loaded track do not fit together, or None when they do."""
    n = len(a["t_ms"])
    if any(a[k].ndim != 1 or len(a[k]) != n for k in ("frame_index", "t_ms", "pose_count")):
        return "per-frame arrays differ in length"
    m = int(a["pose_count"].sum())
    if a["landmarks"].shape != (m, COUNT, 5) or a["world"].shape != (m, COUNT, 3):
        return f"expected {m} poses of ({COUNT}, 5) and ({COUNT}, 3) values"
    if n > 1 and not bool(np.all(np.diff(a["t_ms"]) > 0)):
        return "timestamps do not increase"
    return None
