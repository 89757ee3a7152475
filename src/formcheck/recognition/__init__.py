"""Recognising the exercise from the pose stream (issue 18): which bundled rule a movement
matches, for ``formcheck analyze --exercise auto`` and for the "this looks like a lunge, not a
calf raise" notice. A separate step above the engine: the engine counts whatever rule it is
given; this room only says which rule fits.

- ``features``: per-frame posture numbers, summarised over windows of a few seconds;
- ``model``: the committed softmax regression (``weights.json``, trained by
  ``samples/recognition/train.py``);
- ``recognise``: a stretch of poses to a ``Recognition`` (id, confidence, alternatives);
- ``check``: the running check beside an engine, and the mismatch notice.
"""

from formcheck.recognition.recognise import NOT_SURE, Recognition, recognise

__all__ = ["NOT_SURE", "Recognition", "recognise"]
