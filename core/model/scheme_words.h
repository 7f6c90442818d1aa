#pragma once
// A run's stored scheme word as people read it ("pre+gpas" -> "Pre-LN + GPAS"), for the run
// tables of the CLI and the GUI. A word this build does not know is returned as stored.
#include <string>

namespace depthscope {

std::string scheme_word_display_name(const std::string& word);

}  // namespace depthscope
