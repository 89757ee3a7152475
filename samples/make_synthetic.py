"""Write the synthetic sample tracks (``samples/synthetic/*.track.npz``).

For exercises no real clip shows (or shows poorly), a generated skeleton moves its joints the
way the exercise does, once done well and once with the exercise's typical fault. Their
expectations are the ``synthetic: true`` entries of ``expected.yaml``; the motion below and
those entries must agree (times in seconds).

    python samples/make_synthetic.py            # rewrites samples/synthetic/
    python samples/make_synthetic.py NAME ...   # only these tracks
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck.pose import Pose
from formcheck.synthetic import frames_from_motion, front_view_pose, rep_wave, side_view_pose
from formcheck.track import PoseTrack

OUT = Path(__file__).resolve().parent / "synthetic"
FPS = 30.0
LEAD_S = 2.0  # standing still first, so the ready position is reached before the first rep


def lateral_toe_tap(
    stance_fppa: float, *, hip_flexion: float = 10.0, knee_flexion: float = 15.0, trunk_lean: float = 0.0
) -> Callable[[float], Pose]:
    """10 taps, alternating left, right, ... every 1.6 s; the stance knee caves ``stance_fppa``°
    while the other leg is out. Each tap reaches 21-29° (not a fixed 25°), the body sways a
    little, and the landmarks carry MediaPipe-like noise (``with_pose_noise``). The stance:
    "standing up straight" with the knees slightly bent by default; many people tap from a
    half-squat instead (hips and knees bent, the trunk leaning forward)."""
    reach = np.random.default_rng(13).uniform(21.0, 29.0, size=10)

    def motion(t: float) -> Pose:
        k = int((t - LEAD_S) // 1.6) if t >= LEAD_S else -1
        wave = rep_wave(t, period_s=1.6, start_s=LEAD_S, reps=10)
        out = float(reach[k]) * wave if 0 <= k < 10 else 0.0
        tapping_left = k % 2 == 0
        kw = {
            "knee_flexion": knee_flexion + 3.0 * math.sin(2 * math.pi * 0.23 * t),
            "hip_flexion": hip_flexion,
            "trunk_lean": trunk_lean,
            "trunk_side_lean": 1.5 * math.sin(2 * math.pi * 0.31 * t),  # postural sway
        }
        if tapping_left:
            return front_view_pose(leg_out_left=out, fppa_right=stance_fppa * wave, **kw)
        return front_view_pose(leg_out_right=out, fppa_left=stance_fppa * wave, **kw)

    return with_pose_noise(motion, seed=7 if stance_fppa < 10 else 8)


def with_pose_noise(motion: Callable[[float], Pose], seed: int) -> Callable[[float], Pose]:
    """``motion`` as MediaPipe would report it from a 720p video: every landmark carries a fixed
    offset (sd 3 px: where the model puts a joint differs from the true joint centre by a few px),
    a slow wander (AR(1), time constant 0.15 s, sd 3 px) and frame-to-frame jitter (sd 1.5 px);
    the world landmarks the same at 1 px ~ 3 mm; visibility varies between 0.80 and 0.99.
    Deterministic (``seed``); expects to be sampled in time order, at FPS, as the track is written."""
    rng = np.random.default_rng(seed)
    bias = rng.normal(0.0, 3.0, size=(33, 2))
    state = {"wander": np.zeros((33, 2)), "t": None}
    a = math.exp(-1.0 / (FPS * 0.15))

    def noisy(t: float) -> Pose:
        pose = motion(t)
        if state["t"] is None or t <= state["t"]:  # a fresh pass over the motion
            state["wander"] = rng.normal(0.0, 3.0, size=(33, 2))
        else:
            state["wander"] = a * state["wander"] + math.sqrt(1 - a * a) * rng.normal(0.0, 3.0, size=(33, 2))
        state["t"] = t
        px = bias + state["wander"] + rng.normal(0.0, 1.5, size=(33, 2))
        w, h = 1280, 720
        lm = pose.landmarks.copy()
        lm[:, 0] += px[:, 0] / w
        lm[:, 1] += px[:, 1] / h
        lm[:, 3] = np.minimum(lm[:, 3], rng.uniform(0.80, 0.99, size=33))
        world = None
        if pose.world is not None:
            world = pose.world.copy()
            world[:, :2] += px * 0.003
        return Pose(lm.astype(np.float32), None if world is None else world.astype(np.float32))

    return noisy


def wall_squat(depth: float, reps: int, hold_s: float) -> Callable[[float], Pose]:
    """Slide down over 1.5 s to ``depth``° of knee flexion, hold, slide up over 1.5 s, rest 1.5 s."""
    period = 1.5 + hold_s + 1.5 + 1.5

    def motion(t: float) -> Pose:
        u = t - LEAD_S
        if u < 0 or u >= reps * period:
            level = 0.0
        else:
            p = u % period
            if p < 1.5:
                level = p / 1.5
            elif p < 1.5 + hold_s:
                level = 1.0
            elif p < 3.0 + hold_s:
                level = 1.0 - (p - 1.5 - hold_s) / 1.5
            else:
                level = 0.0
        flex = depth * level
        # back on the wall: the thighs tilt forward as the knees bend, trunk stays upright
        return side_view_pose(knee_flexion=flex, hip_flexion=flex)

    return motion


def standing_calf_stretch(hold_s: float) -> Callable[[float], Pose]:
    """Hands on a wall, one leg forward (bent), the stretched leg straight behind; left then right."""

    def motion(t: float) -> Pose:
        u = t - LEAD_S
        if 0 <= u < hold_s:
            return side_view_pose(
                hip_flexion_left=-20, hip_flexion_right=25, knee_flexion_right=30, trunk_lean=25
            )
        if hold_s + 2.0 <= u < 2 * hold_s + 2.0:
            return side_view_pose(
                hip_flexion_right=-20, hip_flexion_left=25, knee_flexion_left=30, trunk_lean=25
            )
        return side_view_pose()

    return motion


def standing_calf_stretch_bent_knee(hold_s: float) -> Callable[[float], Pose]:
    """As ``standing_calf_stretch`` but the stretched (back) knee is bent 35° (the main fault)."""

    def motion(t: float) -> Pose:
        u = t - LEAD_S
        if 0 <= u < hold_s:
            return side_view_pose(
                hip_flexion_left=-20, knee_flexion_left=35, hip_flexion_right=25,
                knee_flexion_right=30, trunk_lean=25,
            )  # fmt: skip
        return side_view_pose()

    return motion


def stair_calf_stretch(reps_per_side: int, knee_bent: float) -> Callable[[float], Pose]:
    """Heel drops on a step, left then right, each: 1.5 s down, 6 s held, 1.5 s up, 2 s level.

    ``formcheck.synthetic`` has no ankle angle (the foot keeps a fixed pose in the body frame),
    so the heel drop is approximated by tipping the straight stretched leg 25° (hip flexion
    −25°): the shin then leans 25° over the foot, the same shin-to-foot angle (dorsiflexion) a
    heel lowered 25° below the step gives. ``knee_bent``: knee flexion of the stretched leg."""
    period = 1.5 + 6.0 + 1.5 + 2.0

    def motion(t: float) -> Pose:
        u = t - LEAD_S
        level = 0.0
        left = True
        if 0 <= u < 2 * reps_per_side * period:
            k, p = divmod(u, period)
            left = int(k) < reps_per_side
            if p < 1.5:
                level = p / 1.5
            elif p < 7.5:
                level = 1.0
            elif p < 9.0:
                level = 1.0 - (p - 7.5) / 1.5
        # A bent back knee is how the stretch is done wrong from the start, not a drift at the
        # bottom: the knee is fully bent a quarter of the way down.
        tip, bend = -25.0 * level, knee_bent * min(1.0, 4.0 * level)
        if left:
            return side_view_pose(hip_flexion_left=tip, knee_flexion_left=bend, knee_flexion_right=10)
        return side_view_pose(hip_flexion_right=tip, knee_flexion_right=bend, knee_flexion_left=10)

    return motion


def bridge_kick() -> Callable[[float], Pose]:
    """The reference's bridge kick: lying (knees bent) until LEAD_S, 1 s up into the bridge, then
    three kicks with the left leg and three with the right, one every 2 s (a second in the bridge
    between the legs), the hips held up throughout, and 1 s back down. A kick straightens the
    knee (100° -> 15°) and raises the thigh (10° -> 45° of hip flexion), the foot ending well
    above the hip; between kicks the foot hovers, never back on the floor. The supporting hip is
    bent 10° in the bridge (shoulders, hips and knees about in line). MediaPipe-like noise."""
    stance_hip = 10.0
    up_s, kick_s, reps = 1.0, 2.0, 3
    first_left = LEAD_S + up_s
    first_right = first_left + reps * kick_s + 1.0
    end = first_right + reps * kick_s

    def motion(t: float) -> Pose:
        if t < LEAD_S:
            bridge = 0.0  # 0 lying .. 1 in the bridge
        elif t < LEAD_S + up_s:
            bridge = (t - LEAD_S) / up_s
        else:
            bridge = min(1.0, max(0.0, 1.0 - (t - end) / up_s))
        hip = 60.0 + (stance_hip - 60.0) * bridge
        pitch = 90.0 + 20.0 * bridge  # the trunk tilts 20° up from the shoulders to the hips
        legs = {}
        for side, start in (("left", first_left), ("right", first_right)):
            w = rep_wave(t, period_s=kick_s, start_s=start, reps=reps)
            kicking = start <= t < start + reps * kick_s  # between kicks the foot hovers
            legs[f"hip_flexion_{side}"] = hip + (45.0 - hip) * w
            legs[f"knee_flexion_{side}"] = (80.0 if kicking else 100.0) - (65.0 if kicking else 85.0) * w
        return side_view_pose(pitch_deg=pitch, **legs)  # type: ignore[arg-type]

    return with_pose_noise(motion, seed=11)


# Every track carries MediaPipe-like landmark noise (``with_pose_noise``, one seed each): a rule
# that only works on a noiseless skeleton would pass here and fail on a real camera.
TRACKS: dict[str, tuple[Callable[[float], Pose], float]] = {
    "bridge-kick--hips-up": (bridge_kick(), LEAD_S + 1.0 + 6.0 + 1.0 + 6.0 + 1.0 + 1.0),
    "lateral-toe-tap--good": (lateral_toe_tap(stance_fppa=3.0), LEAD_S + 16.0 + 2.0),
    "lateral-toe-tap--knee-collapse": (lateral_toe_tap(stance_fppa=20.0), LEAD_S + 16.0 + 2.0),
    "lateral-toe-tap--half-squat": (
        lateral_toe_tap(stance_fppa=3.0, hip_flexion=40.0, knee_flexion=45.0, trunk_lean=30.0),
        LEAD_S + 16.0 + 2.0,
    ),
    "wall-squat--reps-good": (
        with_pose_noise(wall_squat(depth=45.0, reps=3, hold_s=6.0), seed=21),
        LEAD_S + 3 * 10.5 + 2.0,
    ),
    "wall-squat--too-deep": (
        with_pose_noise(wall_squat(depth=90.0, reps=3, hold_s=6.0), seed=22),
        LEAD_S + 3 * 10.5 + 2.0,
    ),
    "standing-calf-stretch--both-legs": (
        with_pose_noise(standing_calf_stretch(hold_s=20.0), seed=23),
        LEAD_S + 42.0 + 2.0,
    ),
    "standing-calf-stretch--back-knee-bent": (
        with_pose_noise(standing_calf_stretch_bent_knee(hold_s=20.0), seed=24),
        LEAD_S + 20.0 + 2.0,
    ),
    "stair-calf-stretch--good": (
        with_pose_noise(stair_calf_stretch(2, knee_bent=0.0), seed=25),
        LEAD_S + 4 * 11.0 + 1.0,
    ),
    "stair-calf-stretch--knee-bent": (
        with_pose_noise(stair_calf_stretch(2, knee_bent=40.0), seed=26),
        LEAD_S + 4 * 11.0 + 1.0,
    ),
}


def main(names: list[str]) -> int:
    """Write every track, or only those named."""
    unknown = set(names) - set(TRACKS)
    if unknown:
        print(f"unknown track(s): {', '.join(sorted(unknown))}; known: {', '.join(TRACKS)}", file=sys.stderr)
        return 2
    for name, (motion, duration) in TRACKS.items():
        if names and name not in names:
            continue
        frames = frames_from_motion(motion, duration, fps=FPS)
        size = frames[0].image_size
        meta = {
            "fps": FPS,
            "frame_size": list(size),
            "source": {"name": f"synthetic:{name}"},
            "model": {"variant": "synthetic"},
        }
        path = PoseTrack.from_frames(frames, meta).save(OUT / f"{name}.track.npz")
        print(path.relative_to(OUT.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
