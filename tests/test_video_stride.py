"""VideoFileSource.frames(stride): the kept frames are exactly those a full read keeps."""

from __future__ import annotations

from formcheck.sources.video_file import VideoFileSource


def test_stride_keeps_every_nth_frame_with_its_index_time_and_picture(write_video) -> None:  # type: ignore[no-untyped-def]
    path = write_video(frames=10)
    with VideoFileSource(path) as source:
        every = list(source)
    with VideoFileSource(path) as source:
        strided = list(source.frames(3))
    assert [f.index for f in strided] == [0, 3, 6, 9]
    for f in strided:
        full = every[f.index]
        assert f.t_ms == full.t_ms
        assert (f.image == full.image).all()
