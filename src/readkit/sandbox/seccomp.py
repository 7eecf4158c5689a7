"""The sandbox's seccomp filter (bubblewrap's `--seccomp FD`): no kernel keyrings.

Keyrings are not namespaced and outlive the processes that fill them: the user, user-session and
persistent keyrings of the sandbox's user last as long as its user namespace (the whole grading
run), and a key one learner left in the persistent keyring was read by the next learner's kernel.
Rather than find and empty every keyring between two kernels, no process in the sandbox may use
them at all: add_key, request_key and keyctl fail with EPERM, as in Docker's default seccomp
profile. A system call through another architecture's ABI (i386's `int 0x80`) kills the process:
the filter allows the native ABI only.

libseccomp (Debian's libseccomp2, which systemd and apt depend on) compiles the filter and
bubblewrap loads it. Its C library is called through ctypes: five functions, no Python binding
to install.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import tempfile

KEYRING_CALLS = ("add_key", "request_key", "keyctl")

# libseccomp's actions and filter attributes (seccomp.h)
ALLOW = 0x7FFF0000
KILL_PROCESS = 0x80000000
ATTRIBUTE_BAD_ARCH_ACTION = 2


def errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class SeccompUnavailable(RuntimeError):
    """No seccomp filter can be compiled here (the message says what to install)."""


@functools.cache
def _libseccomp() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp")
    if name is None:
        raise SeccompUnavailable("libseccomp is not installed: apt-get install libseccomp2")
    library = ctypes.CDLL(name, use_errno=True)
    library.seccomp_init.argtypes = [ctypes.c_uint32]
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_release.argtypes = [ctypes.c_void_p]
    library.seccomp_release.restype = None
    library.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    library.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                         ctypes.c_uint]
    library.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return library


def _check(result: int, what: str) -> None:
    if result < 0:
        raise SeccompUnavailable(f"libseccomp could not {what}: {os.strerror(-result)}")


@functools.cache
def keyrings_off() -> bytes:
    """The compiled filter: a BPF program (struct sock_filter[]), as bwrap --seccomp reads it."""
    library = _libseccomp()
    context = library.seccomp_init(ALLOW)
    if not context:
        raise SeccompUnavailable("libseccomp could not start a filter")
    try:
        _check(library.seccomp_attr_set(context, ATTRIBUTE_BAD_ARCH_ACTION, KILL_PROCESS),
               "set the action for foreign system calls")
        for name in KEYRING_CALLS:
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                raise SeccompUnavailable(f"libseccomp does not know the system call {name}")
            _check(library.seccomp_rule_add(context, errno_action(errno.EPERM), number, 0),
                   f"refuse {name}")
        with tempfile.TemporaryFile() as program:
            _check(library.seccomp_export_bpf(context, program.fileno()), "export the filter")
            program.seek(0)
            return program.read()
    finally:
        library.seccomp_release(context)


def filter_fd() -> int:
    """A new file descriptor holding the filter, read from its start (for `--seccomp FD`;
    close-on-exec: hand it on with pass_fds)."""
    fd = os.memfd_create("rk-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, keyrings_off())
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd
