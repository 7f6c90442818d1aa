#include "ui/shell/about_dialog.h"

#include <sqlite3.h>

#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "core/runtime/cpu_isa.h"
#include "core/runtime/malloc_policy.h"
#include "core/runtime/threads.h"
#include "core/version.h"

namespace depthscope::ui {

QString about_text() {
  const auto row = [](const QString& name, const QString& value) {
    return QString("<tr><td style='padding-right:16px'>%1</td><td><b>%2</b></td></tr>")
        .arg(name, value.toHtmlEscaped());
  };
  QString html;
  html += QString("<h2 style='margin-bottom:2px'>DepthScope %1</h2>").arg(DEPTHSCOPE_VERSION);
  html += "<p>A desktop lab for <i>The Curse of Depth in Large Language Models</i>: watch what each "
          "layer does to the residual stream, remove layers and see the cost, and compare Pre-LN "
          "with LayerNorm Scaling.</p>";
  html += "<table>";
  html += row("DepthScope", DEPTHSCOPE_VERSION);
  html += row("Qt", QString::fromLatin1(qVersion()));
  html += row("LibTorch", QString::fromStdString(torch_version()));
  html += row("QCustomPlot", QCUSTOMPLOT_VERSION_STR);
  html += row("SQLite", QString::fromLatin1(sqlite3_libversion()));
  html += row("BLAS", QString::fromStdString(blas_name()));
  html += row("Threads", QString::number(threads()));
  // The instruction sets the kernels run (DEPTHSCOPE_CPU_ISA=avx2 selects the AVX2 paths) and the
  // malloc policy (core/runtime/cpu_isa.h, malloc_policy.h).
  html += row("Kernels", QString("DepthScope %1 · ATen %2")
                             .arg(QString::fromStdString(row_kernel_isa()), QString::fromStdString(aten_cpu_capability())));
  html += row("Malloc", QString::fromStdString(malloc_policy_name()));
  html += "</table>";
  return html;
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle("About DepthScope");
  auto* label = new QLabel(about_text());
  label->setObjectName("about_text");
  label->setTextFormat(Qt::RichText);
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(label);
  layout->addWidget(buttons);
  setMinimumWidth(460);
}

}  // namespace depthscope::ui
