#!/usr/bin/env python3
"""How repeatable are the purifier's per-variant channel norms? (docs/RESULTS.md, stop 18)

    python3 tools/variant_noise.py RUN_DIR [RUN_DIR ...]

RUN_DIR is a `llmvax purify` output (or its hidden work folder) whose stages/variant-* hold either
trained twins (backdoor/ and clean/ PEFT adapters) or gradient deltas (deltas.safetensors). For each
MLP matrix type it prints, over all layers and pairs of variants:
  - the Spearman correlation of two variants' per-channel norms of Δ (gate/up rows, down columns);
  - the share of one variant's top-1 % channels that the other's top 1 % also holds (chance 1 %);
  - for trained twins, the Spearman correlation of a variant's down-column norms with the norms of its
    own lora_A columns, and with another variant's (the random initialisation's imprint on Δ).
Needs Python 3 and numpy only; reads safetensors itself (F32 and BF16).
"""
import glob
import json
import os
import struct
import sys

import numpy as np

MATS = ["gate_proj", "up_proj", "down_proj"]


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        out = {}
        for k, v in header.items():
            if k == "__metadata__":
                continue
            s, e = v["data_offsets"]
            f.seek(8 + n + s)
            raw = f.read(e - s)
            if v["dtype"] == "F32":
                a = np.frombuffer(raw, np.float32)
            elif v["dtype"] == "BF16":
                a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
            else:
                raise SystemExit(f"{path}: {k} has dtype {v['dtype']}, expected F32 or BF16")
            out[k] = a.reshape(v["shape"])
    return out


def spearman(a, b):
    ra = np.argsort(np.argsort(a))
    rb = np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def channel_norms(delta, mat):
    return np.linalg.norm(delta, axis=0 if mat == "down_proj" else 1)


def variants(run):
    dirs = glob.glob(os.path.join(run, "stages", "variant-*"))
    return sorted(dirs, key=lambda p: int(os.path.basename(p).split("-")[1]))


def read_variant(vdir, layers):
    """Per (layer, matrix): channel norms of Δ, and for LoRA twins the norms of lora_A's columns."""
    norms, a_cols = {}, {}
    if os.path.exists(os.path.join(vdir, "deltas.safetensors")):
        d = load(os.path.join(vdir, "deltas.safetensors"))
        for l in range(layers):
            for m in MATS:
                norms[(l, m)] = channel_norms(d[f"model.layers.{l}.mlp.{m}.weight"], m)
        return "gradient", norms, a_cols
    bd = load(os.path.join(vdir, "backdoor", "adapter_model.safetensors"))
    cl = load(os.path.join(vdir, "clean", "adapter_model.safetensors"))
    cfg = json.load(open(os.path.join(vdir, "backdoor", "adapter_config.json")))
    scale = cfg["lora_alpha"] / cfg["r"]
    p = "base_model.model.model.layers.{}.mlp.{}.lora_{}.weight"
    for l in range(layers):
        for m in MATS:
            delta = scale * (bd[p.format(l, m, "B")] @ bd[p.format(l, m, "A")]
                             - cl[p.format(l, m, "B")] @ cl[p.format(l, m, "A")])
            norms[(l, m)] = channel_norms(delta, m)
            a_cols[(l, m)] = np.linalg.norm(bd[p.format(l, m, "A")], axis=0)
    return "trained", norms, a_cols


def report(run):
    vs = variants(run)
    if not vs:
        raise SystemExit(f"{run}: no stages/variant-* folders")
    layers = 1 + max(int(k.split(".")[2]) for k in load_header_keys(vs[0]))
    everything = [read_variant(v, layers) for v in vs]
    for kind in ("trained", "gradient"):  # a folder reusing another run's stages may hold both
        data = [d for d in everything if d[0] == kind]
        if len(data) >= 2:
            report_kind(run, kind, data, layers)


def report_kind(run, kind, data, layers):
    n = len(data)
    print(f"{run}: {n} {kind} variants, {layers} layers")
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for m in MATS:
        rho, top = [], []
        for l in range(layers):
            for i, j in pairs:
                a, b = data[i][1][(l, m)], data[j][1][(l, m)]
                rho.append(spearman(a, b))
                k = max(1, round(0.01 * len(a)))
                top.append(len(set(np.argsort(-a)[:k]) & set(np.argsort(-b)[:k])) / k)
        line = f"  {m:9s} Spearman {np.mean(rho):.3f}   top-1 % shared {np.mean(top):.3f}"
        if kind == "trained" and m == "down_proj":
            own = [spearman(data[i][1][(l, m)], data[i][2][(l, m)]) for l in range(layers) for i in range(n)]
            other = [spearman(data[i][1][(l, m)], data[(i + 1) % n][2][(l, m)])
                     for l in range(layers) for i in range(n)]
            line += f"   vs own lora_A column norms {np.mean(own):.3f} (another variant's {np.mean(other):.3f})"
        print(line)


def load_header_keys(vdir):
    f = os.path.join(vdir, "deltas.safetensors")
    if not os.path.exists(f):
        f = os.path.join(vdir, "backdoor", "adapter_model.safetensors")
    with open(f, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        keys = [k for k in json.loads(fh.read(n)) if ".mlp." in k]
    return [k[len("base_model.model."):] if k.startswith("base_model.model.") else k for k in keys]


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for r in sys.argv[1:]:
        report(r)
