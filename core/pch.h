// Precompiled header for core: ATen and nlohmann::json, which most core files include.
#pragma once
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
