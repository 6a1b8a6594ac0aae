"""Run a Python module as __main__ and record the process's own peak memory (VmHWM).

The kernel's ru_maxrss of a child starts from its parent's peak at fork time (a big
pytest or benchmark process inflates it), while VmHWM belongs to the memory map the
child's exec created. Usage: python bench/peak.py OUTFILE MODULE [ARGS...]
"""

from __future__ import annotations

import runpy
import sys


def vm_hwm_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    out, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    code = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        with open(out, "w") as fh:
            fh.write(str(vm_hwm_kib()))
    raise SystemExit(code)
