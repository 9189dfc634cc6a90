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


def split(src, out, modules):
    """Writes OUT with the named modules' lora_B zeroed; raises ValueError or OSError on bad input."""
    if os.path.exists(out):
        raise ValueError(f"{out} exists: choose a new folder")
    with open(os.path.join(src, "adapter_model.safetensors"), "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{src}/adapter_model.safetensors is too short for a safetensors header")
    n = struct.unpack("<Q", raw[:8])[0]
    if 8 + n > len(raw):
        raise ValueError(f"{src}/adapter_model.safetensors: the header runs past the end of the file")
    header = json.loads(raw[8:8 + n])
    data = bytearray(raw[8 + n:])
    zeroed = []
    for name, info in header.items():
        if name == "__metadata__" or ".lora_B." not in name:
            continue
        if any(f".{m}." in name for m in modules):
            a, b = info["data_offsets"]
            if not 0 <= a <= b <= len(data):
                raise ValueError(f"{src}/adapter_model.safetensors: {name}'s offsets lie outside the file")
            data[a:b] = bytes(b - a)
            zeroed.append(name)
    if not zeroed:
        raise ValueError(f"{src} adapts none of {', '.join(modules)}")
    tmp = out + ".tmp"
    os.makedirs(tmp)
    try:
        shutil.copy(os.path.join(src, "adapter_config.json"), tmp)
        with open(os.path.join(tmp, "adapter_model.safetensors"), "wb") as f:
            f.write(raw[:8 + n])
            f.write(data)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone after the rename; a failed write leaves nothing
    return len(zeroed)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        count = split(sys.argv[1], sys.argv[2], sys.argv[3].split(","))
    except (OSError, ValueError, KeyError) as e:  # json.JSONDecodeError is a ValueError
        sys.exit(f"adapter_split: {e}")
    print(f"{sys.argv[2]}: {count} lora_B tensors zeroed")
