#pragma once
// One line parser per simdjson implementation: simdjson's On-Demand API is compiled for a
// single implementation chosen at compile time, and the default x86-64 target only allows
// the scalar fallback. engine_haswell.cpp compiles the same code for AVX2; shim.cpp picks
// it at run time when the CPU has AVX2.
#include <cstddef>

#include "../include/simdjson_shim.h"
#include "name_table.h"

namespace nst {

struct EngineOps {
    void *(*create)();
    void (*destroy)(void *engine);
    void (*parse_line)(void *engine, NameTable &names, const char *line, size_t length, size_t capacity,
                       bool unterminated, nst_line *out);
};

extern const EngineOps haswell_engine;
extern const EngineOps fallback_engine;

}  // namespace nst
