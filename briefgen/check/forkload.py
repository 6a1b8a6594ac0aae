"""A large cold pass 1 on two cores: a forked child does the last files, through a pipe.

Parsing YAML with positions and checking each record against its field rules is most of
a cold check (nothing in the records cache), and each file's result depends on that file
alone. So when there is a lot to parse, ``check/loading.py`` forks once: the child works
through the files from ``start`` on and writes each one's result down a pipe as bytes
(the records cache's own encoding); the parent works through the files before ``start``
meanwhile, then takes the child's results in order. Between its own files the parent
drains the pipe without waiting, so the child never stalls on a full pipe. (A second
child running the sources and standards passes beside the others was tried and dropped:
no faster, bench/README.md.)

Anything wrong on the child's side (it was killed, raised, wrote a short or damaged
stream, or left a file to the parent) only means the parent does that work itself: the
result is the one process's, only later. Only where forking is safe and pays: Linux, two
or more CPUs usable, one of them idle now (``/proc/loadavg``), and no other thread
running (a fork copies only the calling thread; the preview and the language server
check in threads, on a ParseCache, and never get here).
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import signal

#: Bytes of YAML to parse (files not in the records cache) below which no child is forked:
#: a fork, its copied page tables and the decoding of its results cost more than the
#: second core gives back on a small fact base (1k claims is about 0.4 MB).
FORK_MIN_BYTES = 1 << 20
#: A frame: the file's index (END: the child is done) and the payload's length (0: the
#: parent is to do that file itself).
_FRAME = struct.Struct("<iI")
_END = -1
_READ = 1 << 20


def can_fork() -> bool:
    """Forking is available, safe (no other thread) and useful (a second CPU, idle now) here."""
    if sys.platform != "linux" or not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except OSError:
        return False
    return cpus >= 2 and cpu_idle(cpus)


def cpu_idle(cpus: int, loadavg: str = "/proc/loadavg") -> bool:
    """Fewer processes are running right now than there are CPUs (this one included).

    With every CPU busy, a child only takes turns with the parent: on this 2-core machine,
    with one core taken by other work, the forked check took 10% longer than the serial
    one (bench/README.md), the encoding and decoding of results being pure extra work."""
    try:
        with open(loadavg, "rb") as status:
            running = int(status.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return True
    return running < cpus


class Split:
    """The child's results, as the parent takes them: one payload per file index."""

    def __init__(self, pid: int, fd: int, start: int):
        self.pid, self.fd = pid, fd
        self.start = start  # the first index the child does
        self._buffer = bytearray()
        self._frames: dict[int, bytes] = {}
        self._last = -1  # the highest index the child has sent
        self._done = False  # the end frame came, or the stream failed: nothing more will
        self._ended = False  # the end frame came

    def drain(self) -> None:
        """Take what the child has written so far, without waiting."""
        while self._read():
            pass

    def take(self, index: int) -> bytes | None:
        """File ``index``'s payload from the child, waiting for it; None when the parent is to
        do that file itself (one before ``start``, or the child left it, or failed before it)."""
        if index < self.start:
            return None
        if index not in self._frames and self._last < index and not self._done:
            os.set_blocking(self.fd, True)
            try:
                while index not in self._frames and self._last < index and self._read():
                    pass
            finally:
                os.set_blocking(self.fd, False)
        return self._frames.pop(index, None) or None

    def close(self) -> None:
        """End the child if it still runs, and reap it."""
        import signal  # here: most commands never fork, and start-up counts

        os.close(self.fd)
        if not self._ended:  # after its end frame the child is exiting on its own
            with contextlib.suppress(OSError):  # already gone
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _read(self) -> bool:
        """One read from the pipe; False when nothing came (none yet, or none ever will)."""
        if self._done:
            return False
        try:
            chunk = os.read(self.fd, _READ)
        except BlockingIOError:
            return False
        except OSError:
            chunk = b""
        if not chunk:  # the child ended (without its end frame if it failed): what came stands
            self._done = True
            return False
        self._buffer += chunk
        buffer, at = self._buffer, 0
        while len(buffer) - at >= _FRAME.size:
            index, length = _FRAME.unpack_from(buffer, at)
            if index == _END:
                self._done = self._ended = True
                break
            end = at + _FRAME.size + length
            if len(buffer) < end:
                break
            self._frames[index] = bytes(buffer[at + _FRAME.size : end])
            self._last = index
            at = end
        del buffer[:at]
        return True


def fork_split(start: int, stop: int, work: Callable[[int], bytes]) -> Split | None:
    """A child that sends ``work(i)`` for each ``i`` in ``range(start, stop)``; None when
    no child could be started (the caller then does everything itself)."""
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    import signal

    # Ctrl-C is held back across the fork: arriving between the fork and the child's own
    # handling of it, it would raise KeyboardInterrupt inside Python's after-fork hooks,
    # which print a traceback. Held, it is delivered once each process is ready for it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns
        _end_with_parent(os.getppid())
        _child(read_fd, write_fd, start, stop, work, held)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return Split(pid, read_fd, start)


def _end_with_parent(parent: int) -> None:
    """Have the kernel end this child when its parent dies (a SIGTERM or SIGKILL to the
    check leaves no orphan parsing on); at worst the child runs until its next write fails."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _child(
    read_fd: int, write_fd: int, start: int, stop: int, work: Callable[[int], bytes], held: set[int | signal.Signals]
) -> None:
    import signal

    code = 1
    try:
        # Ctrl-C reaches the whole process group: the child just ends, and the parent
        # reports the interruption. (One held back across the fork is delivered here.)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(read_fd)
        for index in range(start, stop):
            payload = work(index)
            _write_all(write_fd, _FRAME.pack(index, len(payload)) + payload)
        _write_all(write_fd, _FRAME.pack(_END, 0))
        code = 0
    except BaseException:  # whatever failed, the parent does the rest itself
        pass
    finally:
        # No exit handlers, no flushing of buffers copied from the parent: they are its own.
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
