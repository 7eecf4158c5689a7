"""The sandbox's reaper, and how the host empties the folders a kernel could write to.

Run as a script outside the sandbox, as bwrap's parent (readkit.sandbox.pool starts it with
`python -I -S reaper.py LIFELINE SCRATCH BWRAP_FDS -- BWRAP...`): single-threaded, standard
library only. When the grading process's end of the LIFELINE pipe closes (it is done, or died
however) or the sandbox ends, it kills the sandbox and removes the pool's SCRATCH folder.
BWRAP_FDS are bwrap's --info-fd and --seccomp fds, passed on to it.

A kernel may take permissions away in the ipc folder (bound read-write): a folder of mode 0 is
then one that an instructor who is not root can neither list nor empty, and that the next
learner's kernel (the same user inside) could open again. The host gives permissions back
before it removes, never follows a link, and checks every step up (..) lands where it came from:
a kernel process not yet dead could otherwise lead the walk into the host's folders.
"""

import os
import select
import subprocess
import sys

FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# A folder as a place (no read permission needed), never a link: chmod goes through it.
PLACE = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Moved(OSError):
    """A folder is not where the walk left it: a process still runs in the tree."""


def empty_folder(path: str) -> bool:
    """Remove everything in the folder `path`; whether nothing is left. Walks by file
    descriptor and without recursion: a kernel's tree may be thousands of folders deep or longer
    than any path. No link is followed and every step up is checked, so that even a kernel
    process still alive (a sandbox being killed) cannot lead the walk out of `path`."""
    try:
        top = _open_unlocked(path)
    except OSError:
        return False
    try:
        return _clear(top)
    except OSError:  # Moved too: the caller sees the folder is not empty
        return False
    finally:
        os.close(top)


def remove_folder(path: str) -> bool:
    """Remove the folder `path` and everything in it, as far as its owner can; whether it went."""
    empty_folder(path)
    try:
        os.rmdir(path)  # only an empty folder goes: what is left keeps it
    except OSError:
        return False
    return True


def _open_unlocked(name: str, parent: int | None = None) -> int:
    """The folder `name` (in the folder open as `parent`) opened for listing, its owner's
    permissions given back first (a kernel may have taken them): chmod acts on the folder
    opened as a place, so a folder swapped for a link is never followed."""
    place = os.open(name, PLACE, dir_fd=parent)
    try:
        os.chmod(f"/proc/self/fd/{place}", 0o700)
        return os.open(".", FOLDER, dir_fd=place)
    finally:
        os.close(place)


def _identity(fd: int) -> tuple[int, int]:
    status = os.fstat(fd)
    return status.st_dev, status.st_ino


def _clear(top: int) -> bool:
    """Empty the folder open as `top`: each folder is listed once, then removed on the way up."""
    clean = True
    fd = os.dup(top)
    # (a folder's name, its subfolders still to do, what it is: device and inode)
    trail: list[tuple[str, list[str], tuple[int, int]]] = [("", [], _identity(fd))]
    try:
        clean &= _remove_files(fd, trail[-1][1])
        while True:
            name, subfolders, _ = trail[-1]
            if subfolders:
                child = subfolders.pop()
                try:
                    child_fd = _open_unlocked(child, fd)
                except OSError:
                    clean = False
                    continue
                os.close(fd)
                fd = child_fd
                trail.append((child, [], _identity(fd)))
                clean &= _remove_files(fd, trail[-1][1])
            elif len(trail) == 1:
                return clean
            else:
                parent = os.open("..", FOLDER, dir_fd=fd)
                os.close(fd)
                fd = parent
                trail.pop()
                if _identity(fd) != trail[-1][2]:  # moved while we were inside: stop here
                    raise Moved(f"{name} was moved out of its folder")
                try:
                    os.rmdir(name, dir_fd=fd)
                except OSError:
                    clean = False
    finally:
        os.close(fd)


def _remove_files(fd: int, subfolders: list[str]) -> bool:
    """Unlink everything but folders in the folder open as `fd`; its folders go in `subfolders`."""
    clean = True
    with os.scandir(fd) as listing:
        entries = list(listing)
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.name)
            else:
                os.unlink(entry.name, dir_fd=fd)
        except OSError:
            clean = False
    return clean


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
