#!/usr/bin/env python3
"""Writes an HF Llama folder (config.json + model.safetensors, F32) of a chosen size, for the
load benchmark in docs/benchmarks.md. Uses Debian's /usr/bin/python3 with python3-torch only
to draw random numbers; the safetensors file is written by hand (8-byte header length, JSON
header, raw little-endian data).

    /usr/bin/python3 tools/bench/make_checkpoint.py /tmp/ckpt-1g   # ~1.08 GB (271M parameters)
"""
import json, os, struct, sys
import torch

out = sys.argv[1]
d, ff, layers, heads, vocab = 2048, 5632, 4, 16, 32000
os.makedirs(out, exist_ok=True)
shapes = [("model.embed_tokens.weight", (vocab, d))]
for i in range(layers):
    p = f"model.layers.{i}."
    shapes += [(p + "input_layernorm.weight", (d,)), (p + "post_attention_layernorm.weight", (d,)),
               (p + "self_attn.q_proj.weight", (d, d)), (p + "self_attn.k_proj.weight", (d, d)),
               (p + "self_attn.v_proj.weight", (d, d)), (p + "self_attn.o_proj.weight", (d, d)),
               (p + "mlp.gate_proj.weight", (ff, d)), (p + "mlp.up_proj.weight", (ff, d)),
               (p + "mlp.down_proj.weight", (d, ff))]
shapes.append(("model.norm.weight", (d,)))
header, offset = {}, 0
for name, shape in shapes:
    n = 4
    for s in shape:
        n *= s
    header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + n]}
    offset += n
blob = json.dumps(header).encode()
blob += b" " * ((8 - len(blob) % 8) % 8)
torch.manual_seed(0)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(blob)))
    f.write(blob)
    for name, shape in shapes:
        f.write((torch.randn(shape) * 0.02).numpy().tobytes())
config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": d,
          "intermediate_size": ff, "num_hidden_layers": layers, "num_attention_heads": heads,
          "num_key_value_heads": heads, "vocab_size": vocab, "max_position_embeddings": 2048,
          "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": True}
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
print(f"{out}: {offset} bytes of F32 data")
