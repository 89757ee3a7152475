"""Frame sources: a video file, a camera, or a video file replayed as if it were a camera."""
