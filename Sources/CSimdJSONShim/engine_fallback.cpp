// The portable (scalar) build of the line parser.
#define SIMDJSON_BUILTIN_IMPLEMENTATION fallback
#include <simdjson.h>

#include "internal/engine.h"

namespace nst {
namespace fallback_impl {
namespace ondemand = simdjson::fallback::ondemand;
#include "internal/line_engine.h"
}  // namespace fallback_impl

const EngineOps fallback_engine = {
    []() -> void * { return new (std::nothrow) fallback_impl::ondemand::parser(); },
    [](void *engine) { delete static_cast<fallback_impl::ondemand::parser *>(engine); },
    [](void *engine, NameTable &names, const char *line, size_t length, size_t capacity, bool unterminated,
       nst_line *out) {
        fallback_impl::parse_line(*static_cast<fallback_impl::ondemand::parser *>(engine), names, line, length,
                                  capacity, unterminated, out);
    },
};

}  // namespace nst
