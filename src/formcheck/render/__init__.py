"""Everything formcheck draws or writes from a session: the frame overlay, the annotated video,
the per-frame CSV and the self-contained HTML report."""
