#!/usr/bin/env python3
"""Writes a random-weight llama-architecture GGUF (version 3) for the GGUF benchmarks of
docs/benchmarks.md ("GGUF (issue 26)"). Defaults are the LLaMA-7B shape (32 layers x 4096,
FFN 11008, 32 heads, vocab 32000) as Q4_K_M, about 3.9 GB. Standard library only.

Types (--type):
  f32     every tensor F32 (matrices normal(0, 0.02): tiles of one pool of 2^20 draws)
  q8_0    every matrix Q8_0 (token_embd and output too, as llama.cpp's Q8_0 does), norms F32
  q4_k_m  llama.cpp's Q4_K_M mix: Q4_K, with Q6_K for output and for attn_v / ffn_down on the
          layers llama.cpp's use_more_bits picks (the first and last eighth, every third
          between), norms F32
Quantised blocks are random but valid: random quants and scales, scales d (and dmin) drawn
as finite binary16 values that give weights of about 0.01-0.1. The q/k rows are random,
so their order does not matter. The tokenizer (tokenizer.ggml.*: Llama 2's 32000 tokens,
scores, types, BOS/EOS) is copied byte for byte from --tokenizer-from (the shared
llama-q8_0.gguf); --vocab must be that vocabulary's size.

    python3 tools/bench/make_gguf.py /tmp/llama-7b-q4_k_m.gguf
    python3 tools/bench/make_gguf.py /tmp/llama-130m-q8_0.gguf --type q8_0 --layers 12 \\
        --hidden 768 --ffn 2048 --heads 12

Write it outside the repository and delete it when done.
"""
import argparse, array, os, random, struct, sys, time

GGML_F32, GGML_Q8_0, GGML_Q4_K, GGML_Q6_K = 0, 8, 12, 14
BLOCK = {GGML_Q8_0: (32, 34), GGML_Q4_K: (256, 144), GGML_Q6_K: (256, 210)}  # elements, bytes
FILE_TYPE = {"f32": 0, "q8_0": 7, "q4_k_m": 15}  # llama_ftype: ALL_F32, MOSTLY_Q8_0, MOSTLY_Q4_K_M
ALIGN = 32

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("out", help="the .gguf file to write (outside the repository)")
ap.add_argument("--type", choices=sorted(FILE_TYPE), default="q4_k_m")
ap.add_argument("--layers", type=int, default=32)
ap.add_argument("--hidden", type=int, default=4096)
ap.add_argument("--ffn", type=int, default=11008)
ap.add_argument("--heads", type=int, default=32)
ap.add_argument("--vocab", type=int, default=32000)
ap.add_argument("--context", type=int, default=4096)
ap.add_argument("--seed", type=int, default=0)
here = os.path.dirname(os.path.abspath(__file__))
ap.add_argument("--tokenizer-from", default=os.path.join(here, "..", "..", "..", "shared", "data", "gguf", "llama-q8_0.gguf"))
a = ap.parse_args()
rng = random.Random(a.seed)

# --- reading the tokenizer's key/values from the source file, as raw bytes ---------------
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def skip_value(buf, pos, vtype):
    if vtype in SCALAR:
        return pos + SCALAR[vtype]
    if vtype == 8:
        (n,) = struct.unpack_from("<Q", buf, pos)
        return pos + 8 + n
    if vtype == 9:
        itype, n = struct.unpack_from("<IQ", buf, pos)
        pos += 12
        if itype in SCALAR:
            return pos + n * SCALAR[itype]
        for _ in range(n):
            pos = skip_value(buf, pos, itype)
        return pos
    sys.exit(f"{a.tokenizer_from}: unknown metadata value type {vtype}")


def tokenizer_kvs(path):
    with open(path, "rb") as f:
        buf = f.read()
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", buf, 0)
    if magic != b"GGUF" or version not in (2, 3):
        sys.exit(f"{path}: not a GGUF v2/v3 file")
    pos, out, vocab = 24, [], None
    for _ in range(n_kv):
        start = pos
        (klen,) = struct.unpack_from("<Q", buf, pos)
        key = buf[pos + 8:pos + 8 + klen].decode()
        pos += 8 + klen
        (vtype,) = struct.unpack_from("<I", buf, pos)
        end = skip_value(buf, pos + 4, vtype)
        if key.startswith("tokenizer."):
            out.append(buf[start:end])
            if key == "tokenizer.ggml.tokens":
                vocab = struct.unpack_from("<Q", buf, pos + 8)[0]
        pos = end
    return out, vocab


tok, tok_vocab = tokenizer_kvs(a.tokenizer_from)
if tok_vocab != a.vocab:
    sys.exit(f"--vocab {a.vocab} but {a.tokenizer_from} has {tok_vocab} tokens")

# --- the tensors -------------------------------------------------------------------------
d, ff, L, H, V = a.hidden, a.ffn, a.layers, a.heads, a.vocab
if d % H:
    sys.exit("hidden must be a multiple of heads")


def use_more_bits(i, n):  # llama.cpp's llama-quant.cpp
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def matrix_type(name, layer):
    if a.type == "f32":
        return GGML_F32
    if a.type == "q8_0":
        return GGML_Q8_0
    if name == "output":
        return GGML_Q6_K
    if name in ("attn_v", "ffn_down") and use_more_bits(layer, L):
        return GGML_Q6_K
    return GGML_Q4_K


tensors = [("token_embd.weight", (V, d), matrix_type("token_embd", -1))]  # (name, [rows, cols], type)
for i in range(L):
    p = f"blk.{i}."
    tensors += [(p + "attn_norm.weight", (d,), GGML_F32),
                (p + "attn_q.weight", (d, d), matrix_type("attn_q", i)),
                (p + "attn_k.weight", (d, d), matrix_type("attn_k", i)),
                (p + "attn_v.weight", (d, d), matrix_type("attn_v", i)),
                (p + "attn_output.weight", (d, d), matrix_type("attn_output", i)),
                (p + "ffn_norm.weight", (d,), GGML_F32),
                (p + "ffn_gate.weight", (ff, d), matrix_type("ffn_gate", i)),
                (p + "ffn_up.weight", (ff, d), matrix_type("ffn_up", i)),
                (p + "ffn_down.weight", (d, ff), matrix_type("ffn_down", i))]
tensors += [("output_norm.weight", (d,), GGML_F32), ("output.weight", (V, d), matrix_type("output", -1))]


def nbytes(shape, t):
    n = 1
    for s in shape:
        n *= s
    if t == GGML_F32:
        return 4 * n
    el, by = BLOCK[t]
    if shape[-1] % el:
        sys.exit(f"a row of {shape[-1]} is not a whole number of {el}-element blocks")
    return n // el * by


# binary16 high bytes (sign 0, exponent, top 2 mantissa bits) for each type's scales; the low
# byte is random. Q8_0 d: 2^-11.. (x127); Q4_K d, dmin: 2^-14..2^-13 (x63 x15); Q6_K d:
# subnormal 1.5e-5..6e-5 (x +-128 x 32).
HIGH = {GGML_Q8_0: range(0x10, 0x14), GGML_Q4_K: range(0x04, 0x08), GGML_Q6_K: range(0x01, 0x04)}


def high_table(t):
    choices = list(HIGH[t])
    return bytes(choices[b % len(choices)] for b in range(256))


def quantised_bytes(shape, t):
    n_blocks = nbytes(shape, t) // BLOCK[t][1]
    size = BLOCK[t][1]
    buf = bytearray(rng.randbytes(n_blocks * size))
    table = high_table(t)
    scale_offsets = {GGML_Q8_0: [0], GGML_Q4_K: [0, 2], GGML_Q6_K: [208]}[t]  # binary16 fields
    for off in scale_offsets:
        buf[off + 1::size] = rng.randbytes(n_blocks).translate(table)
    return buf


POOL = array.array("f", (rng.gauss(0.0, 0.02) for _ in range(1 << 20))).tobytes()


def f32_bytes(shape, norm):
    n = 1
    for s in shape:
        n *= s
    if norm:
        return array.array("f", [1.0]).tobytes() * n
    out, left = bytearray(), 4 * n
    while left:
        start = 4 * rng.randrange(len(POOL) // 4)
        piece = POOL[start:start + left]
        out += piece
        left -= len(piece)
    return out


# --- the header --------------------------------------------------------------------------
def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv_u32(k, v):
    return gstr(k) + struct.pack("<II", 4, v)


def kv_f32(k, v):
    return gstr(k) + struct.pack("<If", 6, v)


def kv_str(k, v):
    return gstr(k) + struct.pack("<I", 8) + gstr(v)


kvs = [kv_str("general.architecture", "llama"),
       kv_str("general.name", f"random {L}x{d} {a.type}"),
       kv_u32("general.file_type", FILE_TYPE[a.type]),
       kv_u32("general.quantization_version", 2),
       kv_u32("llama.block_count", L), kv_u32("llama.embedding_length", d),
       kv_u32("llama.feed_forward_length", ff), kv_u32("llama.attention.head_count", H),
       kv_u32("llama.attention.head_count_kv", H), kv_u32("llama.context_length", a.context),
       kv_u32("llama.rope.dimension_count", d // H), kv_f32("llama.rope.freq_base", 10000.0),
       kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5), kv_u32("llama.vocab_size", V)] + tok

header = bytearray(struct.pack("<4sIQQ", b"GGUF", 3, len(tensors), len(kvs)))
for kv in kvs:
    header += kv
offset = 0
for name, shape, t in tensors:
    dims = list(reversed(shape))  # innermost first
    header += gstr(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
    header += struct.pack("<IQ", t, offset)
    offset += nbytes(shape, t)
    offset += (-offset) % ALIGN
header += b"\0" * ((-len(header)) % ALIGN)

t0 = time.time()
tmp = a.out + ".tmp"
with open(tmp, "wb") as f:
    f.write(header)
    written = 0
    for name, shape, t in tensors:
        data = f32_bytes(shape, len(shape) == 1) if t == GGML_F32 else quantised_bytes(shape, t)
        f.write(data)
        written += len(data)
        pad = (-written) % ALIGN
        f.write(b"\0" * pad)
        written += pad
    f.flush()
    os.fsync(f.fileno())
os.rename(tmp, a.out)
params = sum(s[0] * (s[1] if len(s) > 1 else 1) for _, s, _ in tensors)
counts = {}
for _, _, t in tensors:
    counts[t] = counts.get(t, 0) + 1
names = {GGML_F32: "F32", GGML_Q8_0: "Q8_0", GGML_Q4_K: "Q4_K", GGML_Q6_K: "Q6_K"}
print(f"{a.out}: {a.type}, {L} x {d}, FFN {ff}, {H} heads, vocab {V}: {params / 1e9:.3f} B parameters, "
      f"{(len(header) + written) / 1e9:.3f} GB, tensors " +
      ", ".join(f"{names[t]} {n}" for t, n in sorted(counts.items())) + f" ({time.time() - t0:.0f} s)", flush=True)
