"""Plausible synthetic poses built from joint angles, for tests and synthetic sample tracks.

A skeleton is built in body coordinates (metres; x toward the subject's left, y down, z
forward, origin between the hips) from a few angles per leg, then seen by an orthographic camera
placed ``yaw_deg`` around the person: 0 = in front (the subject's left appears on the image's
right, as in an unmirrored frame), 90 = at the subject's left (side view, left side nearer, the
person faces image-left), −90 = at their right. Landmarks are given in the camera's normalised
image coordinates (with MediaPipe's z: smaller is nearer) and as world landmarks.

    pose = side_view_pose(knee_flexion=45)
    frames = frames_from_motion(lambda t: side_view_pose(knee_flexion=45 * ramp(t)), 5.0, fps=30)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from formcheck.landmarks import COUNT, INDEX, SIDED_JOINTS
from formcheck.pose import Pose, PoseFrame

THIGH_M = 0.42
SHANK_M = 0.42
TORSO_M = 0.50
HIP_HALF_M = 0.10
SHOULDER_HALF_M = 0.19
BODY_HEIGHT_M = 1.75
# A hanging arm: how far below the shoulder each of its landmarks hangs (the fingers below the wrist).
ELBOW_M = 0.28
WRIST_M = 0.54
FINGER_M = {"pinky": 0.07, "index": 0.08, "thumb": 0.05}
DEFAULT_SIZE = (1280, 720)


def _leg(sgn: float, hip_flex: float, knee_flex: float, out: float, fppa: float) -> dict[str, np.ndarray]:
    """Hip, knee, ankle, heel, toe of one leg (sgn +1 left, −1 right), angles in degrees."""
    h, k, a, f = (math.radians(v) for v in (hip_flex, knee_flex, out, fppa))
    hip = np.array([sgn * HIP_HALF_M, 0.0, 0.0])
    thigh = np.array([sgn * math.sin(a), math.cos(a) * math.cos(h), math.cos(a) * math.sin(h)])
    shank = np.array([sgn * math.sin(a), math.cos(a) * math.cos(h - k), math.cos(a) * math.sin(h - k)])
    knee = hip + THIGH_M * thigh
    ankle = knee + SHANK_M * shank
    knee = knee + np.array([-sgn * THIGH_M * math.sin(f / 2), 0.0, 0.0])  # valgus: knee toward midline
    return {
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": ankle + np.array([0.0, 0.05, -0.05]),
        "foot_index": ankle + np.array([0.0, 0.07, 0.15]),
    }


def body_points(
    *, knee_flexion: tuple[float, float] = (0.0, 0.0), hip_flexion: tuple[float, float] = (0.0, 0.0),
    leg_out: tuple[float, float] = (0.0, 0.0), fppa: tuple[float, float] = (0.0, 0.0),
    trunk_lean: float = 0.0, trunk_side_lean: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """(33, 3) body-coordinate landmarks; per-side tuples are (left, right)."""
    pts = np.zeros((COUNT, 3))
    for i, side in enumerate(("left", "right")):
        sgn = 1.0 if side == "left" else -1.0
        for joint, p in _leg(sgn, hip_flexion[i], knee_flexion[i], leg_out[i], fppa[i]).items():
            pts[INDEX[f"{side}_{joint}"]] = p
    t, s = math.radians(trunk_lean), math.radians(trunk_side_lean)
    up = np.array([math.sin(s), -math.cos(t) * math.cos(s), math.sin(t) * math.cos(s)])
    mid_sh = TORSO_M * up
    head = mid_sh + 0.22 * up + np.array([0.0, 0.0, 0.06])
    for side, sgn in (("left", 1.0), ("right", -1.0)):
        sh = mid_sh + np.array([sgn * SHOULDER_HALF_M, 0.0, 0.0])
        pts[INDEX[f"{side}_shoulder"]] = sh
        pts[INDEX[f"{side}_elbow"]] = sh + np.array([0.0, ELBOW_M, 0.0])
        wrist = sh + np.array([0.0, WRIST_M, 0.02])
        pts[INDEX[f"{side}_wrist"]] = wrist
        for j, off in FINGER_M.items():
            pts[INDEX[f"{side}_{j}"]] = wrist + np.array([0.0, off, 0.02])
        pts[INDEX[f"{side}_ear"]] = head + np.array([sgn * 0.07, 0.0, -0.06])
        pts[INDEX[f"{side}_eye"]] = head + np.array([sgn * 0.03, -0.02, 0.04])
        pts[INDEX[f"{side}_eye_inner"]] = head + np.array([sgn * 0.015, -0.02, 0.045])
        pts[INDEX[f"{side}_eye_outer"]] = head + np.array([sgn * 0.045, -0.02, 0.035])
    pts[INDEX["mouth_left"]] = head + np.array([0.025, 0.05, 0.04])
    pts[INDEX["mouth_right"]] = head + np.array([-0.025, 0.05, 0.04])
    pts[INDEX["nose"]] = head + np.array([0.0, 0.02, 0.06])
    return pts


def _both(value: float | None, left: float | None, right: float | None) -> tuple[float, float]:
    base = value or 0.0
    return (base if left is None else left, base if right is None else right)


def pose_body(
    *, knee_flexion: float = 0.0,
    knee_flexion_left: float | None = None, knee_flexion_right: float | None = None,
    hip_flexion: float = 0.0, hip_flexion_left: float | None = None, hip_flexion_right: float | None = None,
    leg_out_left: float = 0.0, leg_out_right: float = 0.0,
    fppa_left: float = 0.0, fppa_right: float = 0.0,
    trunk_lean: float = 0.0, trunk_side_lean: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """``body_points`` of the body ``make_pose`` builds from the same arguments (before the
    camera): a side's own angle where given, else the one for both sides."""
    return body_points(
        knee_flexion=_both(knee_flexion, knee_flexion_left, knee_flexion_right),
        hip_flexion=_both(hip_flexion, hip_flexion_left, hip_flexion_right),
        leg_out=(leg_out_left, leg_out_right),
        fppa=(fppa_left, fppa_right),
        trunk_lean=trunk_lean,
        trunk_side_lean=trunk_side_lean,
    )


def make_pose(
    *, yaw_deg: float = 0.0, image_size: tuple[int, int] = DEFAULT_SIZE,
    knee_flexion: float = 0.0,
    knee_flexion_left: float | None = None, knee_flexion_right: float | None = None,
    hip_flexion: float = 0.0, hip_flexion_left: float | None = None, hip_flexion_right: float | None = None,
    leg_out_left: float = 0.0, leg_out_right: float = 0.0,
    fppa_left: float = 0.0, fppa_right: float = 0.0,
    trunk_lean: float = 0.0, trunk_side_lean: float = 0.0,
    visibility: float = 0.95, far_visibility: float | None = None,
    hidden: tuple[str, ...] = (), visibility_of: Mapping[str, float] | None = None,
    center_x: float = 0.5, scale: float = 1.0, pitch_deg: float = 0.0,
) -> Pose:  # fmt: skip
    """A pose seen from ``yaw_deg`` (0 front, 90 side with the left side nearer).

    ``pitch_deg`` tips the whole body backward about the hips: 90 lies it on its back (face up,
    head away from the legs), past 90 the hips rise above the shoulders (a bridge).

    ``hidden``: landmark names (or side-less joints like "ankle" for both sides) given
    visibility 0; ``visibility_of`` sets others; ``far_visibility`` (default 0.7 side-on) is the
    visibility of the side turned away from the camera.
    """
    body = pose_body(
        knee_flexion=knee_flexion, knee_flexion_left=knee_flexion_left, knee_flexion_right=knee_flexion_right,
        hip_flexion=hip_flexion, hip_flexion_left=hip_flexion_left, hip_flexion_right=hip_flexion_right,
        leg_out_left=leg_out_left, leg_out_right=leg_out_right, fppa_left=fppa_left, fppa_right=fppa_right,
        trunk_lean=trunk_lean, trunk_side_lean=trunk_side_lean,
    )  # fmt: skip
    if pitch_deg:
        th = math.radians(pitch_deg)
        y0, z0 = body[:, 1].copy(), body[:, 2].copy()
        body[:, 1] = y0 * math.cos(th) - z0 * math.sin(th)
        body[:, 2] = y0 * math.sin(th) + z0 * math.cos(th)
    psi = math.radians(yaw_deg)
    x, y, z = body[:, 0], body[:, 1], body[:, 2]
    img_x = x * math.cos(psi) - z * math.sin(psi)
    toward = z * math.cos(psi) + x * math.sin(psi)
    world = np.stack([img_x, y, -toward], axis=1)
    w, h = image_size
    px_per_m = scale * 0.75 * h / BODY_HEIGHT_M
    floor = h * 0.92 - px_per_m * float(np.max(y[[INDEX["left_heel"], INDEX["right_heel"]]]))
    lm = np.zeros((COUNT, 5), dtype=np.float32)
    lm[:, 0] = (center_x * w + px_per_m * img_x) / w
    lm[:, 1] = (floor + px_per_m * y) / h
    lm[:, 2] = -toward * px_per_m / w  # MediaPipe's z: same scale as x, smaller is nearer
    lm[:, 3] = visibility
    lm[:, 4] = visibility
    if abs(math.sin(psi)) > 0.5:
        far = "right" if math.sin(psi) > 0 else "left"
        fv = 0.7 if far_visibility is None else far_visibility
        for name, i in INDEX.items():
            if name.startswith(far + "_"):
                lm[i, 3] = fv
    for name, v in (visibility_of or {}).items():
        for i in _indices(name):
            lm[i, 3] = v
    for name in hidden:
        for i in _indices(name):
            lm[i, 3] = 0.0
    return Pose(lm, world.astype(np.float32))


def _indices(name: str) -> list[int]:
    if name in SIDED_JOINTS:
        return [INDEX[f"left_{name}"], INDEX[f"right_{name}"]]
    if name not in INDEX:
        raise ValueError(f"unknown landmark {name!r}")
    return [INDEX[name]]


def side_view_pose(*, facing_left_side: bool = True, **kw: object) -> Pose:
    """Side-on: the subject's left side nearer the camera (or the right with ``facing_left_side=False``)."""
    return make_pose(yaw_deg=90.0 if facing_left_side else -90.0, **kw)  # type: ignore[arg-type]


def front_view_pose(**kw: object) -> Pose:
    """Facing the camera."""
    return make_pose(yaw_deg=0.0, **kw)  # type: ignore[arg-type]


def frames_from_motion(
    motion: Callable[[float], Pose | None], duration_s: float, fps: float = 30.0,
    image_size: tuple[int, int] = DEFAULT_SIZE, start_s: float = 0.0,
) -> list[PoseFrame]:  # fmt: skip
    """Sample ``motion(t_s)`` (a Pose, or None for "nobody seen") at ``fps`` for ``duration_s``."""
    frames: list[PoseFrame] = []
    n = math.floor(duration_s * fps + 1e-9) + 1
    for i in range(n):
        t = start_s + i / fps
        pose = motion(t)
        frames.append(PoseFrame(i, round(t * 1000), image_size, (pose,) if pose is not None else ()))
    return frames


def rep_wave(t: float, *, period_s: float, start_s: float = 0.0, reps: int | None = None) -> float:
    """0 → 1 → 0 once per ``period_s`` (a smooth cosine bump), 0 before ``start_s`` and after ``reps``."""
    if t < start_s:
        return 0.0
    k = (t - start_s) / period_s
    if reps is not None and k >= reps:
        return 0.0
    return 0.5 - 0.5 * math.cos(2 * math.pi * (k % 1.0))
