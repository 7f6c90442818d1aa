// depthscope: the GUI. All logic lives in ui/ (ui/app.cpp).
#include "ui/app.h"

int main(int argc, char** argv) { return depthscope::ui::run_gui(argc, argv); }
