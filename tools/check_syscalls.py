#!/usr/bin/env python3
"""Checks that every system call in an `strace -f` log is allowed by a systemd unit's SystemCallFilter= lines,
and that nothing maps memory writable and executable at once (which MemoryDenyWriteExecute=yes refuses).

    python3 tools/check_syscalls.py systemd/cairnd.service TRACE.log

Groups (@system-service, @privileged, ...) are expanded with `systemd-analyze syscall-filter`, the way systemd
does: allow lists are joined, then lines starting with ~ remove their calls. Prints the calls the trace made and
exits 1 if any would be refused. As root, SQLite also calls fchown on its journal files; under the unit's
user `cairn` it does not (it only does so when running as root), so fchown is reported but not counted.
"""
import re
import subprocess
import sys

ROOT_ONLY = {"fchown"}


def expand(name, cache={}):
    if name in cache:
        return cache[name]
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        token = line.strip()
        if not token or token.startswith("#"):
            continue
        calls |= expand(token) if token.startswith("@") else {token}
    cache[name] = calls
    return calls


def main():
    unit, trace = sys.argv[1], sys.argv[2]
    allowed, denied = set(), set()
    for line in open(unit):
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        negate = value.startswith("~")
        names = value.lstrip("~").split()
        calls = set().union(*(expand(n) if n.startswith("@") else {n} for n in names))
        (denied if negate else allowed).update(calls)
    permitted = allowed - denied
    used = set()
    writable_executable = 0  # what MemoryDenyWriteExecute=yes refuses
    for line in open(trace):
        match = re.match(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)\(", line)
        if match:
            used.add(match.group(1))
            if match.group(1) in ("mmap", "mprotect", "pkey_mprotect") and "PROT_WRITE" in line and "PROT_EXEC" in line:
                writable_executable += 1
    refused = sorted(used - permitted - {"exit", "exit_group", "rt_sigreturn", "restart_syscall"})
    print(f"{len(used)} distinct system calls in the trace; refused by {unit}: {', '.join(refused) or 'none'}")
    print(f"writable and executable mappings (refused by MemoryDenyWriteExecute=yes): {writable_executable}")
    problems = [c for c in refused if c not in ROOT_ONLY]
    if problems:
        print(f"would fail under the unit's filter: {', '.join(problems)}")
        return 1
    return 1 if writable_executable else 0


if __name__ == "__main__":
    sys.exit(main())
