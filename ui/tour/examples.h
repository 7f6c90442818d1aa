#pragma once
// The example models shipped with DepthScope (resources/examples/, issue 10): a Pre-LN and an
// LNS model of the deep-narrow shape (24 x 96, bytes vocabulary), trained with DepthScope on
// the default corpus (resources/examples/README.md says how). File ▸ Open example and the Tour
// open them.
//
// Where they are found, first hit wins:
//   1. $DEPTHSCOPE_EXAMPLES/<name> (a folder holding pre-ln/ and lns/);
//   2. the installed layout: <exe dir>/../share/depthscope/examples;
//   3. the build tree: resources/examples of the source tree this file was compiled from
//      (its __FILE__ path), so build/app/depthscope and the tests find them without copying;
//   4. <exe dir>/../resources/examples and <exe dir>/../../resources/examples.
// Nothing is embedded in the binary (the two models are ~11 MB together).
#include <QString>
#include <QStringList>

namespace depthscope::ui {

// "pre" (also "pre-ln") or "lns": the example's folder (config.json + model.safetensors),
// or an empty string when it cannot be found (or the scheme is neither).
QString example_path(const QString& scheme);

// The schemes with an example: {"pre", "lns"}.
QStringList example_schemes();

// The folders searched for examples, in order (for messages that say where to put them).
QStringList example_search_dirs();

}  // namespace depthscope::ui
