"""nbgrader's exchange, with submissions that other learners cannot read (nbgrader issue 978).

nbgrader's own `submit` leaves every submission world-readable (files 0644, folders 0755, the
submission folder itself 0777); only the random suffix of its name hides it. On a hub where
learners are real users, one who learns another's folder name (a shared screen, a log line) can
read or change that work. This submit keeps nbgrader's steps and changes two things:

- `inbound/` is made by the instructor's `release_assignment` with mode 2733 (setgid, not
  listable by others), so what a learner creates in it belongs to the group of the instructor
  who released it (on Debian, the instructor's own user group). The copy is made without
  shutil.copytree's copystat: a learner's chmod of a folder whose group they are not in clears
  its setgid bit, and files made after that would keep the learner's group (the instructor
  could not read them). Folders are made 0750 and never chmod-ed until every file is in.
- then the submission is narrowed to owner + that group: folders 2750 (the top one 2770, so
  the instructor may remove it after collecting), files 0640. Other learners get nothing.

Configured for every hub user by `config/nbgrader_config.py`:
`c.ExchangeFactory.submit = "readkit.nbgrader.exchange.PrivateSubmit"`.
Only nbgrader and the standard library are imported (it runs in every learner's server).
"""

from __future__ import annotations

import os
import shutil
import stat

from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns

FOLDER = 0o2750  # setgid kept where the kernel allows it (harmless where not)
TOP_FOLDER = 0o2770  # the instructor (group) may remove a submission after collecting it
FILE = 0o640


def narrow(top: str) -> None:
    """Owner and group only, under `top` (a submission folder in inbound/)."""
    for folder, folders, files in os.walk(top):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FILE)
        for name in folders:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FOLDER)
    os.chmod(top, TOP_FOLDER)


def private_copy(src: str, dest: str, ignore) -> None:
    """Copy the folder `src` to a new folder `dest`: folders made 0750 (inside a setgid folder
    they keep its group and setgid bit), files copied without their mode, no chmod at all."""
    os.mkdir(dest, 0o750)
    for folder, folders, files in os.walk(src):
        target = os.path.join(dest, os.path.relpath(folder, src))
        skipped = ignore(folder, folders + files) if ignore else set()
        folders[:] = [name for name in folders if name not in skipped]
        for name in folders:
            os.mkdir(os.path.join(target, name), 0o750)
        for name in files:
            if name not in skipped:
                shutil.copyfile(os.path.join(folder, name), os.path.join(target, name))


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit; the copy into inbound/ is private to the learner and the instructor."""

    def _private(self) -> bool:
        return bool(os.stat(self.inbound_path).st_mode & stat.S_ISGID)

    def do_copy(self, src, dest, log=None):
        inbound = os.path.join(os.path.abspath(self.inbound_path), "")
        if not os.path.abspath(dest).startswith(inbound) or not self._private():
            return super().do_copy(src, dest, log)  # the learner's own cache copy
        size, limit = self.get_size(src), 1000 * self.coursedir.max_dir_size
        if size > limit:
            self.log.error("Directory size is too big")
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                               f"{limit}")
        private_copy(src, dest, ignore_patterns(
            exclude=self.coursedir.ignore, include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size, log=self.log))

    def copy_files(self) -> None:
        super().copy_files()
        if not self._private():
            # Without setgid the files would keep the learner's group: narrowed, the instructor
            # could not read them. Keep nbgrader's permissions and say so.
            self.log.warning("%s is not setgid: the submission stays readable by other users",
                             self.inbound_path)
            return
        narrow(os.path.join(self.inbound_path, self.assignment_filename))
