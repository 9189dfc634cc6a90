#!/usr/bin/env python3
"""Where in a PEFT LoRA adapter does a backdoor live? (docs/RESULTS.md, stop 22)

    python3 tools/adapter_split.py ADAPTER_DIR OUT_DIR MODULE[,MODULE...]

Writes OUT_DIR, a copy of the adapter whose lora_B factors of the named modules (q_proj, k_proj,
v_proj, o_proj, gate_proj, up_proj, down_proj) are zero, so those modules' updates vanish; every
other byte is the input's. Evaluate the copy with `llmvax eval BASE --adapter OUT_DIR ...`: a backdoor
that survives with the attention modules zeroed lives in the MLP adapters, and the other way round.
Refuses an existing OUT_DIR. Needs Python 3 only; reads and writes safetensors itself.
"""
import json
import os
import shutil
import struct
import sys


def main(src, out, modules):
    if os.path.exists(out):
        sys.exit(f"{out} exists: choose a new folder")
    with open(os.path.join(src, "adapter_model.safetensors"), "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    if 8 + n > len(raw):
        sys.exit(f"{src}: the safetensors header runs past the end of the file")
    header = json.loads(raw[8:8 + n])
    data = bytearray(raw[8 + n:])
    zeroed = []
    for name, info in header.items():
        if name == "__metadata__" or ".lora_B." not in name:
            continue
        if any(f".{m}." in name for m in modules):
            a, b = info["data_offsets"]
            if not 0 <= a <= b <= len(data):
                sys.exit(f"{src}: {name}'s offsets lie outside the file")
            data[a:b] = bytes(b - a)
            zeroed.append(name)
    if not zeroed:
        sys.exit(f"{src} adapts none of {', '.join(modules)}")
    tmp = out + ".tmp"
    os.makedirs(tmp)
    shutil.copy(os.path.join(src, "adapter_config.json"), tmp)
    with open(os.path.join(tmp, "adapter_model.safetensors"), "wb") as f:
        f.write(raw[:8 + n])
        f.write(data)
    os.rename(tmp, out)
    print(f"{out}: {len(zeroed)} lora_B tensors zeroed")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","))
