# Fuzz the safetensors header parser (torch-free: std + nlohmann json).
ds_fuzz_target(fuzz_safetensors fuzz_safetensors.cpp core/io/safetensors_header.cpp)
