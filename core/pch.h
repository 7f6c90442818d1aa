// Precompiled header for core: the ATen headers every tensor file needs.
#pragma once
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
