"""Synthetic poses for engine tests: a posed 3D skeleton seen from any angle, and a driver that
plays key-framed motions through an engine at a chosen frame rate."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from formcheck.engine import ExerciseEngine, FrameReport, SessionResult
from formcheck.landmarks import COUNT, INDEX
from formcheck.pose import Pose, PoseFrame
from formcheck.rules import Exercise, validate_file

SIZE = (640, 480)
SCALE_PX = 250.0  # pixels per metre
THIGH = SHANK = 0.45


@dataclass(frozen=True)
class Posture:
    """A standing person. Angles in degrees, per side ("left"/"right")."""

    yaw: float = 90.0  # 0: facing the camera, 90: left side toward the camera
    knee_flexion: Mapping[str, float] = field(default_factory=lambda: {"left": 0.0, "right": 0.0})
    abduction: Mapping[str, float] = field(default_factory=lambda: {"left": 0.0, "right": 0.0})
    valgus: Mapping[str, float] = field(default_factory=lambda: {"left": 0.0, "right": 0.0})
    hidden: frozenset[str] = frozenset()  # landmark names with visibility 0
    trunk_lean: float = 0.0
    rise: float = 0.0  # metres the whole body is raised (standing on a step)
    camera_pitch: float = 0.0  # degrees the camera looks down (negative: up) at the person

    def both(self, **kw: float) -> Posture:
        """Same posture with the given per-side angles set on both sides."""
        return replace(self, **{k: {"left": v, "right": v} for k, v in kw.items()})  # type: ignore[arg-type]


def _body(p: Posture) -> dict[str, np.ndarray]:
    """Joint positions in metres, body frame: x toward the subject's left, y down, z backward
    (the person faces -z)."""
    pts: dict[str, np.ndarray] = {}
    lean = math.radians(p.trunk_lean)
    for side, sx in (("left", 1.0), ("right", -1.0)):
        hip = np.array([0.1 * sx, 0.0, 0.0])
        f = math.radians(p.knee_flexion[side])
        a = math.radians(p.abduction[side]) * sx
        v = math.radians(p.valgus[side])
        # leg in its own plane: thigh forward by the flexion, shank vertical
        thigh = np.array([0.0, math.cos(f), -math.sin(f)]) * THIGH
        shank = np.array([0.0, SHANK, 0.0])
        # knee pushed toward the midline by the valgus angle (hip-knee-ankle deflection)
        inward = -sx * (THIGH * math.tan(v / 2))
        knee = hip + thigh + np.array([inward, 0.0, 0.0])
        ankle = hip + thigh + shank
        # abduct the whole leg about the hip (rotation in the frontal plane)
        rot = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        rot = rot.T  # positive abduction moves the foot away from the midline
        knee, ankle = hip + rot @ (knee - hip), hip + rot @ (ankle - hip)
        pts[f"{side}_hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"] = hip, knee, ankle
        pts[f"{side}_heel"] = ankle + np.array([0.0, 0.05, 0.05])
        pts[f"{side}_foot_index"] = ankle + np.array([0.0, 0.05, -0.15])
        up = np.array([0.0, -math.cos(lean), -math.sin(lean)])
        sh = np.array([0.18 * sx, 0.0, 0.0]) + up * 0.5
        pts[f"{side}_shoulder"] = sh
        pts[f"{side}_elbow"] = sh + np.array([0.02 * sx, 0.28, 0.0])
        pts[f"{side}_wrist"] = sh + np.array([0.03 * sx, 0.55, 0.0])
        for n, dy in (("pinky", 0.62), ("index", 0.63), ("thumb", 0.6)):
            pts[f"{side}_{n}"] = sh + np.array([0.03 * sx, dy, -0.02])
        head = up * 0.72
        pts[f"{side}_ear"] = head + np.array([0.07 * sx, 0.0, 0.02])
        for n, dx in (("eye_inner", 0.015), ("eye", 0.03), ("eye_outer", 0.045)):
            pts[f"{side}_{n}"] = head + np.array([dx * sx, -0.03, -0.08])
    pts["nose"] = up * 0.72 + np.array([0.0, 0.0, -0.1])
    pts["mouth_left"] = up * 0.68 + np.array([0.02, 0.0, -0.08])
    pts["mouth_right"] = up * 0.68 + np.array([-0.02, 0.0, -0.08])
    return pts


def make_pose(p: Posture) -> Pose:
    body = _body(p)
    t = math.radians(p.yaw)
    # camera frame: rotate the body about the vertical axis by the yaw
    rot = np.array([[math.cos(t), 0, math.sin(t)], [0, 1, 0], [-math.sin(t), 0, math.cos(t)]])
    # a camera pitched down turns everything about its horizontal (x) axis: the person's
    # vertical leans away from it at the top
    q = math.radians(p.camera_pitch)
    rot = np.array([[1, 0, 0], [0, math.cos(q), -math.sin(q)], [0, math.sin(q), math.cos(q)]]) @ rot
    world = np.zeros((COUNT, 3), dtype=np.float32)
    lm = np.zeros((COUNT, 5), dtype=np.float32)
    w, h = SIZE
    for name, xyz in body.items():
        c = rot @ (xyz - np.array([0.0, p.rise, 0.0]))  # y is down
        i = INDEX[name]
        world[i] = c
        lm[i] = (0.5 + c[0] * SCALE_PX / w, 0.45 + c[1] * SCALE_PX / h, c[2] * SCALE_PX / w, 1.0, 1.0)
        if name in p.hidden:
            lm[i, 3] = 0.0
    return Pose(lm, world)


Key = tuple[float, Posture | None]  # (time in s, posture or None = nobody seen)


def _blend(a: Mapping[str, float], b: Mapping[str, float], u: float) -> dict[str, float]:
    return {k: a[k] + (b[k] - a[k]) * u for k in a}


def interpolate(keys: Sequence[Key], t: float) -> Posture | None:
    for (t0, p0), (t1, p1) in itertools.pairwise(keys):
        if t0 <= t <= t1:
            if p0 is None or p1 is None:
                return p0 if t - t0 < t1 - t else p1
            u = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return replace(
                p0,
                yaw=p0.yaw + (p1.yaw - p0.yaw) * u,
                knee_flexion=_blend(p0.knee_flexion, p1.knee_flexion, u),
                abduction=_blend(p0.abduction, p1.abduction, u),
                valgus=_blend(p0.valgus, p1.valgus, u),
                trunk_lean=p0.trunk_lean + (p1.trunk_lean - p0.trunk_lean) * u,
                rise=p0.rise + (p1.rise - p0.rise) * u,
                hidden=p0.hidden if u < 0.5 else p1.hidden,
            )
    return keys[-1][1]


@dataclass
class Run:
    reports: list[FrameReport]
    result: SessionResult

    def events(self, kind: str) -> list[tuple[float, str | None, dict[str, object]]]:
        return [(e.t_s, e.side, e.data) for r in self.reports for e in r.events if e.kind == kind]

    def notices(self) -> set[str]:
        return {n.message for r in self.reports for n in r.notices}

    def phases(self) -> list[str]:
        return [r.phase for r in self.reports]


def play(
    exercise: Exercise, keys: Sequence[Key], fps: float = 30.0, *, noise=None,
    lost: Sequence[tuple[float, float]] = (), opens_recording: bool = True,
) -> Run:  # fmt: skip
    """Sample the key-framed motion at ``fps`` and feed it to a fresh engine.

    ``noise(t) -> Posture -> Posture`` may perturb each sampled posture; no frame at all is
    delivered for times inside a ``lost`` interval (a stalled camera)."""
    engine = ExerciseEngine(exercise, opens_recording=opens_recording)
    reports = []
    end = keys[-1][0]
    n = math.floor(end * fps + 1e-9) + 1
    for i in range(n):
        t = i / fps
        if any(lo <= t < hi for lo, hi in lost):
            continue
        posture = interpolate(keys, t)
        if posture is not None and noise is not None:
            posture = noise(t, posture)
        pose = make_pose(posture) if posture is not None else None
        frame = PoseFrame(i, round(t * 1000), SIZE, (pose,) if pose is not None else ())
        reports.append(engine.update(frame, pose))
    return Run(reports, engine.finish())


def write_rule(tmp_path: Path, ex_id: str, text: str) -> Exercise:
    path = tmp_path / f"{ex_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_file(path)


KNEE_BEND = """\
format: 1
id: knee-bend
name: Knee bend
view: side
dose: {reps: 10}
measures:
  knee_flexion: {kind: angle, points: [hip, knee, ankle], convention: flexion, side: nearer}
reps:
  measure: knee_flexion
  rest: 20
  peak: 50
  min_duration_s: 0.6
  ready: {hold_s: 0.5}
faults:
  - id: too_deep
    when: {measure: knee_flexion, above: 80}
    for_s: 0.2
    phase: rep
    message: Too deep
    cue: less
    explain: Too deep.
"""

SIDE = Posture(yaw=90.0)
FRONT = Posture(yaw=0.0)


def bend(base: Posture, deg: float) -> Posture:
    return base.both(knee_flexion=deg)


def reps_keys(base: Posture, depths: Sequence[float], *, start: float = 1.0, down: float = 0.8,
              up: float = 0.8, pause: float = 0.6) -> list[Key]:  # fmt: skip
    """Stand for ``start`` s, then one rep per depth (down, up, pause), ending standing."""
    keys: list[Key] = [(0.0, bend(base, 0)), (start, bend(base, 0))]
    t = start
    for d in depths:
        keys += [
            (t + down, bend(base, d)),
            (t + down + up, bend(base, 0)),
            (t + down + up + pause, bend(base, 0)),
        ]
        t += down + up + pause
    return keys
