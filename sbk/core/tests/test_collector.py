"""Pausing the cyclic collector around a bulk job: nested and overlapping pauses switch it
back on only when the last one ends, and never switch on a collector that was off."""

import gc
import threading

import pytest

from sbk.core import collector


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_pause_switches_the_collector_off_and_back_on(collector_on):
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_back_on_after_a_failure(collector_on):
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("refused")
    assert gc.isenabled()


def test_overlapping_pauses_end_with_the_last(collector_on):
    inside, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_job():
        with collector.paused():
            inside.set()
            release.wait(5)
        done.set()

    with collector.paused():
        thread = threading.Thread(target=other_job)
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other job still runs
    release.set()
    thread.join(5)
    assert done.is_set() and gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    was = gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
