# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A secret written to a file on the host that runs the task: mode 0600, atomically, only on change.

``dest`` and its ``owner``/``group`` are checked before any request (the folder exists, ``dest``
is not a folder), so a task that could never write its file fails before it fetches a secret.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tempfile

from ._common import ModuleError
from ._resource import Step

SECRET_FILE_MODE = 0o600


def dest_spec():
    """The options of a module that can write its secret to a file instead of returning it."""
    return dict(dest=dict(type="path"), owner=dict(type="str"), group=dict(type="str"))


def file_owner_ids(owner, group):
    """(uid, gid) for the owner and group options; -1 keeps what the file has."""
    uid = gid = -1
    try:
        if owner is not None:
            uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
        if group is not None:
            gid = int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise ModuleError("%s %r does not exist on this host." % (("owner", owner) if owner is not None and uid == -1
                                                                  else ("group", group)))
    return uid, gid


def check_dest(params):
    """``dest``, ``owner`` and ``group`` as a file can be written there; raises naming the option."""
    dest = params.get("dest")
    if dest is None:
        if params.get("owner") is not None or params.get("group") is not None:
            raise ModuleError("owner and group only apply with dest (the file the secret is written to).")
        return
    if not dest.strip() or dest.endswith("/"):
        raise ModuleError("dest must be the path of a file, got %r." % dest)
    folder = os.path.dirname(os.path.abspath(dest))
    if os.path.isdir(dest):
        raise ModuleError("dest %s is a folder; give the path of the file to write." % dest)
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise ModuleError("dest %s cannot be written: its folder %s %s." % (dest, folder, what))
    file_owner_ids(params.get("owner"), params.get("group"))


def secret_file(path, content, owner, group, what="the secret"):
    """A Step that writes ``content`` to ``path`` (0600, atomically), only when something differs.

    ``content`` None is a secret not known yet (an object assumed in check mode): the file would change.
    """
    uid, gid = file_owner_ids(owner, group)
    data = None if content is None else content.encode("utf-8")
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            same = data is not None and handle.read() == data
    except FileNotFoundError:
        info, same = None, False
    except OSError as exc:
        raise ModuleError("dest %s cannot be read: %s." % (path, exc.strerror))
    differs = not same or info is None or stat.S_IMODE(info.st_mode) != SECRET_FILE_MODE or uid not in (-1, info.st_uid) or gid not in (-1, info.st_gid)

    def write():
        folder = os.path.dirname(os.path.abspath(path))
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".secret-")
            with os.fdopen(handle, "wb") as out:
                os.fchmod(out.fileno(), SECRET_FILE_MODE)  # before the secret is in it
                if (uid, gid) != (-1, -1):
                    os.fchown(out.fileno(), uid, gid)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
            temporary = None
        except OSError as exc:
            raise ModuleError("dest %s cannot be written: %s." % (path, exc.strerror))
        finally:
            if temporary is not None and os.path.exists(temporary):
                os.unlink(temporary)

    state = "(hidden, %s)" % ("unchanged" if same else "absent" if info is None else "different")
    return Step(None, [], write, changes=differs,
                diff=({"dest": {"path": path, "content": state}}, {"dest": {"path": path, "content": "(hidden, %s)" % what}}))
