#!/usr/bin/env python3
"""Writes a random-weight checkpoint in the exact Hugging Face Llama layout (config.json,
model-0000i-of-0000n.safetensors shards and model.safetensors.index.json), BF16, for the
7B-class benchmark in docs/benchmarks.md ("7B-class checkpoint (issue 11)"). Defaults are
the Llama-2-7B shape: 32 layers x 4096, FFN 11008, vocab 32000, 32 heads (6.74 B parameters,
13.5 GB). Streams one tensor at a time (peak memory ~ one [32000, 4096] float32 tensor), so
it runs on a machine that cannot hold the model. Uses Debian's /usr/bin/python3 with
python3-torch only to draw the numbers; the files are written by hand (8-byte header length,
JSON header padded to 8 bytes, raw little-endian data).

    /usr/bin/python3 tools/bench/make_big_checkpoint.py /tmp/llama2-7b-shape
    /usr/bin/python3 tools/bench/make_big_checkpoint.py /tmp/tiny --layers 2 --hidden 256 \
        --ffn 688 --heads 4 --vocab 512 --shard-gb 0.001

Write it outside the repository (it is 13.5 GB) and delete it when done.
"""
import argparse, json, os, struct, sys, time
import torch

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("out", help="folder to create (outside the repository)")
ap.add_argument("--layers", type=int, default=32)
ap.add_argument("--hidden", type=int, default=4096)
ap.add_argument("--ffn", type=int, default=11008)
ap.add_argument("--heads", type=int, default=32)
ap.add_argument("--kv-heads", type=int, default=0, help="0: same as --heads")
ap.add_argument("--vocab", type=int, default=32000)
ap.add_argument("--std", type=float, default=0.02, help="normal(0, std) for linear and embedding weights")
ap.add_argument("--shard-gb", type=float, default=5.0, help="largest shard in GB (10^9 bytes)")
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()

d, ff, L, H, V = a.hidden, a.ffn, a.layers, a.heads, a.vocab
KV = a.kv_heads or H
hd = d // H
if d % H or H % KV:
    sys.exit("hidden must be a multiple of heads, heads a multiple of kv-heads")
if os.path.exists(a.out) and os.listdir(a.out):
    sys.exit(f"{a.out} exists and is not empty")
os.makedirs(a.out, exist_ok=True)

# HF order: embeddings, then each layer as transformers' save_pretrained lists it, norm, head.
shapes = [("model.embed_tokens.weight", (V, d))]
for i in range(L):
    p = f"model.layers.{i}."
    shapes += [(p + "self_attn.q_proj.weight", (H * hd, d)), (p + "self_attn.k_proj.weight", (KV * hd, d)),
               (p + "self_attn.v_proj.weight", (KV * hd, d)), (p + "self_attn.o_proj.weight", (d, H * hd)),
               (p + "mlp.gate_proj.weight", (ff, d)), (p + "mlp.up_proj.weight", (ff, d)),
               (p + "mlp.down_proj.weight", (d, ff)),
               (p + "input_layernorm.weight", (d,)), (p + "post_attention_layernorm.weight", (d,))]
shapes += [("model.norm.weight", (d,)), ("lm_head.weight", (V, d))]

def nbytes(shape):
    n = 2  # BF16
    for s in shape:
        n *= s
    return n

# Greedy sharding in order, as save_pretrained does (max_shard_size).
limit = int(a.shard_gb * 1e9)
shards, cur, cur_bytes = [], [], 0
for name, shape in shapes:
    if cur and cur_bytes + nbytes(shape) > limit:
        shards.append(cur)
        cur, cur_bytes = [], 0
    cur.append((name, shape))
    cur_bytes += nbytes(shape)
shards.append(cur)
n = len(shards)
files = [f"model-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)]

torch.manual_seed(a.seed)
weight_map, total, t0 = {}, 0, time.time()
for file, tensors in zip(files, shards):
    header, offset = {}, 0
    for name, shape in tensors:
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes(shape)]}
        offset += nbytes(shape)
        weight_map[name] = file
    header["__metadata__"] = {"format": "pt"}
    blob = json.dumps(header).encode()
    blob += b" " * ((8 - (8 + len(blob)) % 8) % 8)
    path = os.path.join(a.out, file)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name, shape in tensors:
            if len(shape) == 1:
                t = torch.ones(shape, dtype=torch.bfloat16)  # norm weights
            else:
                t = (torch.randn(shape) * a.std).to(torch.bfloat16)
            # BF16 bytes through an int16 view (numpy has no bfloat16).
            f.write(t.view(torch.int16).numpy().tobytes())
            total += nbytes(shape)
        f.flush()
        os.fsync(f.fileno())
    os.rename(path + ".tmp", path)
    print(f"{file}: {offset / 1e9:.2f} GB ({time.time() - t0:.0f} s)", flush=True)

with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as f:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": d,
          "intermediate_size": ff, "num_hidden_layers": L, "num_attention_heads": H,
          "num_key_value_heads": KV, "vocab_size": V, "max_position_embeddings": 4096,
          "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False,
          "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16", "initializer_range": a.std,
          "pretraining_tp": 1, "attention_bias": False}
with open(os.path.join(a.out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
params = total // 2
print(f"{a.out}: {params / 1e9:.3f} B parameters, {total / 1e9:.2f} GB BF16 in {n} shard(s), "
      f"{time.time() - t0:.0f} s", flush=True)
