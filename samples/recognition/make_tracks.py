"""Write the recogniser's synthetic training tracks (``samples/recognition/synthetic/``).

Some exercises have sample clips from one source only, or none: left out with their source, the
recogniser would never have seen them. For those, a generated skeleton (``formcheck.synthetic``)
holds or moves the way the rule's own description says (``formcheck rules show ID``), seen
from several camera angles, with MediaPipe-like landmark noise. The postures come from the rule
descriptions and the reference table (``../shared/reference/exercises.md``), not from the clips.

    python samples/recognition/make_tracks.py     # rewrites samples/recognition/synthetic/
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck.landmarks import INDEX
from formcheck.pose import Pose
from formcheck.synthetic import ELBOW_M, FINGER_M, WRIST_M, frames_from_motion, make_pose, pose_body
from formcheck.track import PoseTrack

HERE = Path(__file__).resolve().parent
OUT = HERE / "synthetic"
sys.path.insert(0, str(HERE.parent))
from make_synthetic import with_pose_noise  # noqa: E402  (the suite's noise model)

FPS = 15.0  # enough for a posture; keeps the committed tracks small
YAWS = (90.0, 45.0, 0.0)  # side-on, angled, facing the camera (the features do not tell left from right)
Motion = Callable[[float, float], Pose]  # (t, yaw) -> pose


# Each arm landmark's distance from the shoulder along a straight arm, in metres (as it hangs).
ARM = (("elbow", ELBOW_M), ("wrist", WRIST_M), *((j, WRIST_M + d) for j, d in FINGER_M.items()))


def _arms_along(pose: Pose, ways: dict[str, np.ndarray]) -> Pose:
    """The arm of each side in ``ways`` held straight from its shoulder along that world
    direction (``make_pose`` only hangs the arms down)."""
    lm, world = pose.landmarks.copy(), pose.world.copy() if pose.world is not None else None
    assert world is not None
    for side, way in ways.items():
        sh = INDEX[f"{side}_shoulder"]
        hip = INDEX[f"{side}_hip"]
        # make_pose maps world x, y linearly into the picture: recover the map from two landmarks.
        kx = (lm[sh, 0] - lm[hip, 0]) / (world[sh, 0] - world[hip, 0] or 1e-9)
        ky = (lm[sh, 1] - lm[hip, 1]) / (world[sh, 1] - world[hip, 1] or 1e-9)
        way = way / np.linalg.norm(way)
        for joint, reach in ARM:
            i = INDEX[f"{side}_{joint}"]
            world[i] = world[sh] + reach * way
            lm[i, 0] = lm[sh, 0] + kx * (world[i, 0] - world[sh, 0])
            lm[i, 1] = lm[sh, 1] + ky * (world[i, 1] - world[sh, 1])
    return Pose(lm, world)


def _raise_arm(pose: Pose, side: str) -> Pose:
    """The arm of ``side`` straight overhead, along the trunk."""
    assert pose.world is not None
    up = pose.world[INDEX[f"{side}_shoulder"]] - pose.world[INDEX[f"{side}_hip"]]
    return _arms_along(pose, {side: up})


def _hands_forward(pose: Pose, w: float) -> Pose:
    """Both arms swung ``w`` (0..1) of the way from hanging to straight ahead at shoulder height
    (hands on a wall): ahead is where the feet point, level."""
    world = pose.world
    assert world is not None
    ahead = sum(world[INDEX[f"{s}_foot_index"]] - world[INDEX[f"{s}_heel"]] for s in ("left", "right"))
    ahead = ahead * np.array([1.0, 0.0, 1.0])  # level: the world's y is the picture's down
    down = np.array([0.0, 1.0, 0.0])
    way = (1.0 - w) * down + w * ahead / np.linalg.norm(ahead)
    return _arms_along(pose, {"left": way, "right": way})


def _hands_to(pose: Pose, target: str, w: float, sides: tuple[str, ...] = ("left", "right")) -> Pose:
    """The arms of ``sides`` swung ``w`` (0..1) of the way from where they are toward the
    landmark ``target``, straight from the shoulders (hands holding a knee, an ankle)."""
    world = pose.world
    assert world is not None
    ways = {}
    for side in sides:
        shoulder = world[INDEX[f"{side}_shoulder"]]
        now, goal = world[INDEX[f"{side}_wrist"]] - shoulder, world[INDEX[target]] - shoulder
        # (the way now scaled to the goal's length: at w = 1 the goal itself, to the last bit)
        ways[side] = (1.0 - w) * now * (np.linalg.norm(goal) / np.linalg.norm(now)) + w * goal
    return _arms_along(pose, ways)


def _sides(t: float, hold_s: float, lead_s: float = 2.0) -> tuple[str | None, float]:
    """Which side holds at ``t`` (left first, then right, 2 s apart) and how far in (0..1)."""
    u = t - lead_s
    for k, side in enumerate(("left", "right")):
        start = k * (hold_s + 2.0)
        if start <= u < start + hold_s:
            return side, min(1.0, (u - start) / 1.0, (start + hold_s - u) / 1.0)
    return None, 0.0


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


def quad_stretch(t: float, yaw: float) -> Pose:
    """Standing on one leg, the other heel pulled to the buttock by that side's hand (knee
    ~140°, thigh hanging)."""
    side, w = _sides(t, 12.0)
    kw: dict[str, float] = {"trunk_lean": 3.0 * math.sin(0.7 * t)}
    if not side:
        return make_pose(yaw_deg=yaw, **kw)  # type: ignore[arg-type]
    kw[f"knee_flexion_{side}"] = 140.0 * w
    kw[f"hip_flexion_{side}"] = 5.0 * w
    return _hands_to(make_pose(yaw_deg=yaw, **kw), f"{side}_ankle", w, sides=(side,))  # type: ignore[arg-type]


def hip_flexor_stretch(t: float, yaw: float) -> Pose:
    """Half-kneeling: front hip and knee ~90°, back thigh hanging or behind, back knee ~90°
    (shin on the floor behind), trunk upright, hips eased forward and back."""
    side, _ = _sides(t, 12.0)
    front, back = ("right", "left") if side == "left" else ("left", "right")
    ease = 8.0 * math.sin(2 * math.pi * t / 4.0)
    kw = {
        f"hip_flexion_{front}": 85.0 + ease, f"knee_flexion_{front}": 90.0 + ease,
        f"hip_flexion_{back}": -15.0 - ease, f"knee_flexion_{back}": 95.0,
    }  # fmt: skip
    return make_pose(yaw_deg=yaw, **kw)  # type: ignore[arg-type]


def calf_wall_stretch(t: float, yaw: float) -> Pose:
    """Split stance leaning toward a wall, the hands on it at shoulder height: back leg straight
    behind, front knee a little bent."""
    side, w = _sides(t, 12.0)
    if side is None:
        return make_pose(yaw_deg=yaw)
    other = _other(side)
    kw = {
        f"hip_flexion_{side}": -20.0 * w, f"hip_flexion_{other}": 25.0 * w,
        f"knee_flexion_{other}": 30.0 * w, "trunk_lean": 30.0 * w,
    }  # fmt: skip
    return _hands_forward(make_pose(yaw_deg=yaw, **kw), w)  # type: ignore[arg-type]


def glute_stretch(t: float, yaw: float) -> Pose:
    """Lying on the back (figure four): the crossed leg's thigh out to the side and bent, the
    other thigh drawn toward the chest by both hands, knees bent."""
    side, w = _sides(t, 12.0)
    kw: dict[str, float] = {"hip_flexion": 60.0, "knee_flexion": 100.0}
    if not side:
        return make_pose(yaw_deg=yaw, pitch_deg=90.0, **kw)  # type: ignore[arg-type]
    other = _other(side)
    kw |= {
        f"hip_flexion_{side}": 60.0 + 30.0 * w, f"knee_flexion_{side}": 100.0,
        f"leg_out_{side}": 35.0 * w,
        f"hip_flexion_{other}": 60.0 + 40.0 * w, f"knee_flexion_{other}": 100.0 - 10.0 * w,
    }  # fmt: skip
    pose = make_pose(yaw_deg=yaw, pitch_deg=90.0, **kw)  # type: ignore[arg-type]
    return _hands_to(pose, f"{other}_knee", w)  # the hands pull that thigh in from behind


def it_band_stretch(t: float, yaw: float) -> Pose:
    """Standing with the legs crossed, one arm overhead, the trunk leaning sideways away from it."""
    side, w = _sides(t, 12.0)
    if side is None:
        return make_pose(yaw_deg=yaw)
    sgn = -1.0 if side == "left" else 1.0
    kw = {"leg_out_left": -8.0 * w, "leg_out_right": -8.0 * w, "trunk_side_lean": sgn * 22.0 * w}
    return _raise_arm(make_pose(yaw_deg=yaw, **kw), side)  # type: ignore[arg-type]


def wall_slide(t: float, yaw: float) -> Pose:
    """Back on a wall: slide down 1.5 s to ~45-55° of knee bend, hold 5 s, slide up, rest 2 s."""
    u = t - 2.0
    period = 1.5 + 5.0 + 1.5 + 2.0
    level = 0.0
    if u >= 0:
        p = u % period
        level = min(1.0, p / 1.5) if p < 6.5 else max(0.0, 1.0 - (p - 6.5) / 1.5)
    flex = 50.0 * level
    return make_pose(yaw_deg=yaw, knee_flexion=flex, hip_flexion=flex)


def _smooth(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def lateral_band_walk(t: float, yaw: float) -> Pose:
    """Half squat (knees ~30°, hips sat back), stepping sideways: the leading foot out, the other
    brought in, 6 steps one way and 6 back; the hips travel across the picture."""
    step_s = 1.6
    k, p = divmod(max(0.0, t - 2.0) / step_s, 1.0)
    k = int(k) % 12
    way = 1.0 if k < 6 else -1.0
    done = k if k < 6 else 12 - k
    lead = 18.0 * math.sin(math.pi * min(1.0, 2.0 * p)) if p < 0.5 else 18.0 * (1.0 - _smooth(2.0 * p - 1.0))
    centre = 0.32 + 0.06 * (done + way * _smooth(p)) if t >= 2.0 else 0.32
    lead_side, trail_side = ("right", "left") if way > 0 else ("left", "right")
    kw = {
        "knee_flexion": 30.0, "hip_flexion": 35.0, "trunk_lean": 12.0,
        f"leg_out_{lead_side}": 6.0 + lead, f"leg_out_{trail_side}": 6.0,
    }  # fmt: skip
    return make_pose(yaw_deg=yaw, center_x=centre, **kw)  # type: ignore[arg-type]


STANCE_OUT = 22.0  # the side lunge's stance: each straight leg this far out to the side


def side_lunge_stretch(t: float, yaw: float) -> Pose:
    """Feet wide apart; one knee bends and the hips shift over it, the other leg straight, held,
    then the other side (and back through the middle). Both feet stay on the floor as far apart
    across the body as in the stance: the straight leg goes further out and the bent one comes in
    under the hips, and the body moves over them. (Front to back the bent leg's foot still moves
    forward as its hip bends: only the frontal plane is solved.)"""
    side, w = _sides(t, 8.0)
    kw: dict[str, float] = {"leg_out_left": STANCE_OUT, "leg_out_right": STANCE_OUT, "trunk_lean": 10.0}
    if side:
        knee, hip = 70.0 * w, 55.0 * w
        kw |= {f"knee_flexion_{side}": knee, f"hip_flexion_{side}": hip, "trunk_lean": 10.0 + 15.0 * w}
        kw[f"leg_out_{side}"], kw[f"leg_out_{_other(side)}"] = _planted(side, knee, hip)
    # make_pose moves every point across the picture with center_x: keep the ankles' midpoint
    # where it is in the stance, in the middle
    pose = make_pose(yaw_deg=yaw, **kw)  # type: ignore[arg-type]
    feet_x = (pose.landmarks[INDEX["left_ankle"], 0] + pose.landmarks[INDEX["right_ankle"], 0]) / 2
    return make_pose(yaw_deg=yaw, center_x=1.0 - float(feet_x), **kw)  # type: ignore[arg-type]


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Where ``f`` changes sign between ``lo`` and ``hi`` (it is of opposite signs there)."""
    below = f(lo) < 0
    for _ in range(40):
        mid = (lo + hi) / 2
        if (f(mid) < 0) == below:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@functools.cache
def _planted(bent: str, knee_flexion: float, hip_flexion: float) -> tuple[float, float]:
    """Both legs' angle out to the side (the ``bent`` one's, then the other's) that keep both
    heels on the floor as far apart across the body as in the stance, the ``bent`` leg's knee
    and hip bent so and the other leg straight. (Cached: the body's lean and the camera do not
    change it, and a held side repeats it frame after frame.)"""
    straight = _other(bent)
    heel = {s: INDEX[f"{s}_heel"] for s in ("left", "right")}
    stance = pose_body(leg_out_left=STANCE_OUT, leg_out_right=STANCE_OUT)
    width = abs(stance[heel["left"], 0] - stance[heel["right"], 0])
    legs = {f"knee_flexion_{bent}": knee_flexion, f"hip_flexion_{bent}": hip_flexion}

    def body(bent_out: float, out: float) -> np.ndarray:  # the legs that far out to the side
        return pose_body(**legs, **{f"leg_out_{bent}": bent_out, f"leg_out_{straight}": out})

    def level(out: float, bent_out: float) -> float:  # straight heel below the bent one: > 0
        pts = body(bent_out, out)
        return float(pts[heel[straight], 1] - pts[heel[bent], 1])  # y: down

    def straight_out(bent_out: float) -> float:  # how far out the straight leg reaches the floor
        return _bisect(lambda out: level(out, bent_out), 0.0, 89.0)

    def too_wide(bent_out: float) -> float:
        pts = body(bent_out, straight_out(bent_out))
        return float(abs(pts[heel["left"], 0] - pts[heel["right"], 0]) - width)

    bent_out = _bisect(too_wide, -30.0, STANCE_OUT)
    return bent_out, straight_out(bent_out)


def hamstring_stretch(t: float, yaw: float) -> Pose:
    """Lying on the back, one leg flat, the other raised near straight toward the chest (hip
    ~85°, knee ~15°) and held, then the other leg."""
    side, w = _sides(t, 12.0)
    kw: dict[str, float] = {}
    if side:
        kw = {f"hip_flexion_{side}": 85.0 * w + 5.0 * math.sin(t), f"knee_flexion_{side}": 15.0 * w}
    return make_pose(yaw_deg=yaw, pitch_deg=90.0, **kw)  # type: ignore[arg-type]


def seated_hamstring_stretch(t: float, yaw: float) -> Pose:
    """The seated form of the hamstring stretch (the sample labels count it as this exercise):
    sitting on the floor, legs straight out in front (hips at 90°); one leg stays straight while
    the other knee bends out to the side with its sole against the straight leg's thigh, and the
    trunk folds forward over the straight leg, hands reaching for its foot; held, then the other
    leg."""
    side, w = _sides(t, 12.0)
    kw: dict[str, float] = {"hip_flexion": 90.0, "trunk_lean": 5.0}
    if not side:
        return make_pose(yaw_deg=yaw, **kw)  # type: ignore[arg-type]
    other = _other(side)
    kw |= {
        f"knee_flexion_{other}": 120.0 * w,
        f"leg_out_{other}": 45.0 * w,
        "trunk_lean": 5.0 + (35.0 + 3.0 * math.sin(t)) * w,
    }
    return _hands_to(make_pose(yaw_deg=yaw, **kw), f"{side}_foot_index", 1.0)  # type: ignore[arg-type]


# Exercise id (":form" for another form of the same exercise) -> (motion, duration in s). New
# entries go last: each track's noise is seeded by its place here.
MOTIONS: dict[str, tuple[Motion, float]] = {
    "quad-stretch": (quad_stretch, 30.0),
    "hip-flexor-stretch": (hip_flexor_stretch, 30.0),
    "calf-wall-stretch": (calf_wall_stretch, 30.0),
    "glute-stretch": (glute_stretch, 30.0),
    "it-band-stretch": (it_band_stretch, 30.0),
    "wall-slide": (wall_slide, 34.0),
    "lateral-band-walk": (lateral_band_walk, 24.0),
    "side-lunge-stretch": (side_lunge_stretch, 24.0),
    "hamstring-stretch": (hamstring_stretch, 30.0),
    "hamstring-stretch:seated": (seated_hamstring_stretch, 30.0),
}


def write_tracks(out: Path = OUT) -> list[Path]:
    """Write every motion of ``MOTIONS`` seen from every angle of ``YAWS`` into ``out``."""
    out.mkdir(exist_ok=True)
    written = []
    for k, (name, (motion, duration)) in enumerate(MOTIONS.items()):
        for j, yaw in enumerate(YAWS):

            def at(t: float, _m: Motion = motion, _y: float = yaw) -> Pose:
                return _m(t, _y)

            frames = frames_from_motion(with_pose_noise(at, seed=100 + 10 * k + j), duration, fps=FPS)
            meta = {
                "fps": FPS,
                "frame_size": list(frames[0].image_size),
                "source": {"name": f"synthetic:{name}@{yaw:+.0f}"},
                "model": {"variant": "synthetic"},
            }
            exercise, _, form = name.partition(":")  # "exercise:form" for a second form of one
            path = out / f"{exercise}--synthetic{'-' + form if form else ''}-yaw{yaw:+.0f}.track.npz"
            written.append(PoseTrack.from_frames(frames, meta).save(path))
    return written


def main() -> int:
    for path in write_tracks():
        print(path.relative_to(HERE.parent.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
