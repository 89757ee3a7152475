"""Live mode: the camera (or a video played as one) through the pipeline into a window."""
