#include "core/io/gguf_summary.h"

namespace depthscope {

GgufStorage gguf_storage(const GgufHeader& h) {
  GgufStorage s;
  s.version = h.version;
  const GgufValue* arch = h.find("general.architecture");
  s.architecture = arch && arch->type == GgufValueType::string ? arch->str : "";
  for (const GgufTensorInfo& t : h.tensors) {
    GgufTensorRow r;
    r.name = t.name;
    r.type = ggml_type_label(t.type);
    r.shape = t.shape();
    r.elements = t.elements();
    r.bytes = static_cast<std::int64_t>(t.bytes);
    r.bits_per_weight = 8.0 * static_cast<double>(r.bytes) / static_cast<double>(r.elements);
    s.elements += r.elements;
    s.bytes += r.bytes;
    s.tensors.push_back(std::move(r));
  }
  s.bits_per_weight = s.elements > 0 ? 8.0 * static_cast<double>(s.bytes) / static_cast<double>(s.elements) : 0;
  return s;
}

}  // namespace depthscope
