// Precompiled header for the CLI: ATen, nlohmann::json and CLI11, which every command file
// includes (CLI11 alone costs ~15 s per command file without it).
#pragma once
#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
