# One include per module so that owners of different parsers do not edit the same lines.
include(${CMAKE_CURRENT_LIST_DIR}/safetensors.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/tokenizer.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/gguf.cmake OPTIONAL)
