# Fuzz the GGUF header parser and the dequantisers (torch-free: std only).
ds_fuzz_target(fuzz_gguf fuzz_gguf.cpp core/io/gguf_header.cpp core/io/gguf_types.cpp core/io/gguf_dequant.cpp)
