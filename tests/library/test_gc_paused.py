"""The garbage collector is paused only while a library is built, and always restored."""

import gc

import pytest

import pfocr_enrich as pe
from pfocr_enrich._util.files import gc_paused


def test_restored_after_an_error_and_left_off_when_it_was_off():
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()


def test_builders_leave_the_collector_on_also_when_they_fail(tmp_path):
    pe.GeneSetLibrary.from_dict({"a": ["X", "Y"]})
    assert gc.isenabled()
    with pytest.raises(ValueError):
        pe.GeneSetLibrary.from_dict({"a": []})
    assert gc.isenabled()
    path = tmp_path / "sets.gmt"
    path.write_text("s1\tdesc\tA\tB\n", encoding="utf-8")
    assert len(pe.read_gmt(path)) == 1 and gc.isenabled()
    with pytest.raises(FileNotFoundError):
        pe.read_gmt(tmp_path / "missing.gmt")
    assert gc.isenabled()
