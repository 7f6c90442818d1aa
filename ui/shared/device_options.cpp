#include "ui/shared/device_options.h"

#include <QStringList>

namespace depthscope::ui {
namespace {

ComputeDevice cuda(int index) {
  ComputeDevice d;
  d.kind = ComputeDevice::Kind::cuda;
  d.index = index;
  return d;
}

QString gpu_label(int index, const QString& name) {
  return QString("cuda:%1 · %2").arg(index).arg(name);
}

// How many GPUs LibTorch sees, asked through the torch-free check (an index past the last
// one is unusable).
int torch_gpu_count() {
  int n = 0;
  while (n < 64 && device_unavailable_reason(cuda(n)).empty()) ++n;
  return n;
}

}  // namespace

const DeviceOption* DeviceOptions::find(const ComputeDevice& d) const {
  for (const DeviceOption& o : options)
    if (o.device == d) return &o;
  return nullptr;
}

DeviceOptions device_options_from(const DeviceReport& report, const QString& fake_gpus) {
  DeviceOptions r;
  r.options.push_back({ComputeDevice{}, "cpu"});
  const QStringList fakes = fake_gpus.split(';', Qt::SkipEmptyParts);
  if (!fakes.isEmpty()) {
    r.fake = true;
    for (int i = 0; i < fakes.size(); ++i) r.options.push_back({cuda(i), gpu_label(i, fakes[i].trimmed())});
    return r;
  }
  if (report.cuda_available && report.torch_cuda) {
    const int n = report.devices.empty() ? torch_gpu_count() : static_cast<int>(report.devices.size());
    for (int i = 0; i < n; ++i)
      r.options.push_back({cuda(i), gpu_label(i, i < static_cast<int>(report.devices.size())
                                                     ? QString::fromStdString(report.devices[i])
                                                     : QString("GPU %1").arg(i))});
  }
  if (!r.gpu_offered()) {
    const std::string why = device_unavailable_reason(cuda(0));
    r.unavailable = why.empty() ? QString("no GPU was found") : QString::fromStdString(why);
  }
  return r;
}

DeviceOptions device_options() {
  return device_options_from(device_report(), qEnvironmentVariable(kFakeGpusVariable));
}

QString device_in_use_text(const DeviceOptions& options, const ComputeDevice& device) {
  const QString name = QString::fromStdString(device.name());
  const DeviceOption* o = options.find(device);
  if (!device.is_cuda() || !o) return name;
  const QString gpu = o->label.section(" · ", 1);
  return gpu.isEmpty() ? name : QString("%1 (%2)").arg(name, gpu);
}

}  // namespace depthscope::ui
