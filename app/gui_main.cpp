// depthscope: the GUI. All logic lives in ui/ (ui/app.cpp).
#include "ui/shell/app.h"

int main(int argc, char** argv) { return depthscope::ui::run_gui(argc, argv); }
