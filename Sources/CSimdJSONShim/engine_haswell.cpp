// The AVX2 build of the line parser: every function in this file, simdjson's included, is
// compiled for the haswell target. Only called after shim.cpp checked the CPU.
#define SIMDJSON_BUILTIN_IMPLEMENTATION haswell
// simdjson's SIMDJSON_ASSUME is a live assert() unless NDEBUG is set (SwiftPM does not set
// it): those checks, and the simdjson calls they kept out of line, cost ~35% of summary CPU.
// With NDEBUG they become optimizer hints, as in simdjson release builds. Debug builds keep them.
#if defined(__OPTIMIZE__) && !defined(NDEBUG)
#define NDEBUG
#endif
#pragma clang attribute push(__attribute__((target("avx2,bmi,bmi2,pclmul,lzcnt,popcnt"))), apply_to = function)
#include <simdjson.h>

#include "internal/engine.h"

namespace nst {
namespace haswell_impl {
namespace ondemand = simdjson::haswell::ondemand;
#include "internal/line_engine.h"
}  // namespace haswell_impl

const EngineOps haswell_engine = {
    []() -> void * { return new (std::nothrow) haswell_impl::ondemand::parser(); },
    [](void *engine) { delete static_cast<haswell_impl::ondemand::parser *>(engine); },
    [](void *engine, NameTable &names, const char *line, size_t length, size_t capacity, bool unterminated,
       nst_line *out) {
        haswell_impl::parse_line(*static_cast<haswell_impl::ondemand::parser *>(engine), names, line, length,
                                 capacity, unterminated, out);
    },
};

}  // namespace nst
#pragma clang attribute pop
