"""Pose estimation: turn frames into ``PoseFrame``s.

``base.Estimator`` is the interface; ``mediapipe_landmarker`` runs the real model (the only
module that imports mediapipe); ``replay`` reads a recorded pose track instead.
"""
