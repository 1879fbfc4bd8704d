// The portable (scalar) build of the line parser.
#define SIMDJSON_BUILTIN_IMPLEMENTATION fallback
// simdjson's SIMDJSON_ASSUME is a live assert() unless NDEBUG is set (SwiftPM does not set
// it): those checks, and the simdjson calls they kept out of line, cost ~35% of summary CPU.
// With NDEBUG they become optimizer hints, as in simdjson release builds. Debug builds keep them.
#if defined(__OPTIMIZE__) && !defined(NDEBUG)
#define NDEBUG
#endif
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
