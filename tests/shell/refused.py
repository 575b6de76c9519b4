"""What a tree answers to the operations that would make, remove or move a name, at one level.

Usage: refused.py DIR FILE [SUBDIR]: DIR a directory, FILE and SUBDIR an existing file and
directory in it. Prints one line per operation: its name and the errno name (or OK).
"""
import errno
import os
import sys


def outcome(operation):
    try:
        operation()
        return "OK"
    except OSError as e:
        return errno.errorcode[e.errno]


def create(path, flags):
    os.close(os.open(path, flags | os.O_WRONLY, 0o600))


directory, existing = sys.argv[1], sys.argv[2]
subdir = sys.argv[3] if len(sys.argv) > 3 else None
new = os.path.join(directory, "no-such-name")
operations = {
    "mkdir new": lambda: os.mkdir(new),
    "mkdir existing": lambda: os.mkdir(existing),
    "mknod new": lambda: os.mknod(new, 0o600 | 0o100000),
    "mkfifo new": lambda: os.mkfifo(new),
    "mknod existing": lambda: os.mknod(existing, 0o600 | 0o100000),
    "O_CREAT new": lambda: create(new, os.O_CREAT),
    "O_CREAT|O_EXCL new": lambda: create(new, os.O_CREAT | os.O_EXCL),
    "O_CREAT|O_EXCL existing": lambda: create(existing, os.O_CREAT | os.O_EXCL),
    "symlink new": lambda: os.symlink("target", new),
    "symlink existing": lambda: os.symlink("target", existing),
    "link to new": lambda: os.link(existing, new),
    "link to existing": lambda: os.link(existing, existing),
    "unlink file": lambda: os.unlink(existing),
    "unlink missing": lambda: os.unlink(new),
    "rmdir missing": lambda: os.rmdir(new),
    "rename file to new": lambda: os.rename(existing, new),
    "rename missing": lambda: os.rename(new, new + "2"),
    "rename file to itself": lambda: os.rename(existing, existing),
}
if subdir:
    operations.update({
        "rmdir dir": lambda: os.rmdir(subdir),
        "mkdir existing dir": lambda: os.mkdir(subdir),
        "rename dir to new": lambda: os.rename(subdir, new),
        "rename file to dir": lambda: os.rename(existing, subdir),
        "unlink dir": lambda: os.unlink(subdir),
        "rmdir file": lambda: os.rmdir(existing),
    })
for name, operation in operations.items():
    print(f"{name}: {outcome(operation)}")
