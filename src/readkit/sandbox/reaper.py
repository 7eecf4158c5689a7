"""The sandbox's reaper, and how the host empties the folders a kernel could write to.

Run as a script outside the sandbox, as bwrap's parent (readkit.sandbox.pool starts it with
`python -I -S reaper.py LIFELINE SCRATCH BWRAP_FDS -- BWRAP...`): single-threaded, standard
library only. When the grading process's end of the LIFELINE pipe closes (it is done, or died
however) or the sandbox ends, it kills the sandbox and removes the pool's SCRATCH folder.
BWRAP_FDS are bwrap's --info-fd and --seccomp fds, passed on to it.

A kernel may take permissions away in the ipc folder (bound read-write): a folder of mode 0 is
then one that an instructor who is not root can neither list nor empty, and that the next
learner's kernel (the same user inside) could open again. The host gives permissions back
before it removes, and never follows a link.
"""

import contextlib
import os
import select
import subprocess
import sys


def empty_folder(path: str) -> None:
    """Remove everything in `path` (which must be listable). What cannot be removed stays:
    the caller checks the folder is empty where that matters."""
    with os.scandir(path) as entries:
        for entry in list(entries):
            if entry.is_dir(follow_symlinks=False):
                remove_folder(entry.path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def remove_folder(path: str) -> None:
    """Remove the folder `path` and everything in it, as far as its owner can."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)  # a real folder (the caller checked, every kernel is dead)
        empty_folder(path)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def main(argv: list[str]) -> None:
    lifeline, scratch, command = int(argv[1]), argv[2], argv[5:]
    fds = [int(fd) for fd in argv[3].split(",")]
    child = subprocess.Popen(command, pass_fds=fds)
    for fd in fds:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)  # the zygote's pipes are its own: EOF reaches the host when it ends
    os.dup2(null, 1)
    select.select([lifeline, os.pidfd_open(child.pid)], [], [])
    child.kill()
    child.wait()
    remove_folder(scratch)


if __name__ == "__main__":
    main(sys.argv)
