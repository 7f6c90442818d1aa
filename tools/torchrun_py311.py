#!/usr/bin/python3
# torchrun for Debian 12 (python3-torch 1.13 under Python 3.11), used as
#   /usr/bin/python3 tools/torchrun_py311.py --standalone --nproc_per_node 2 --no_python depthscope-cli train ...
# (docs/distributed.md).
# Debian's torchrun (torch 1.13) under Python 3.11: Std.from_str compares an Enum with an int
# (always False in 3.11) and returns None; this maps the number itself.
import sys
from torch.distributed.elastic.multiprocessing import api
_orig = api.Std.from_str.__func__
def from_str(cls, vm):
    if vm.isdigit():
        return cls(int(vm))
    return _orig(cls, vm)
api.Std.from_str = classmethod(from_str)
from torch.distributed.run import main
sys.exit(main())
