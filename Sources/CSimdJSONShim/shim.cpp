// The C API of simdjson_shim.h: line splitting, padding, and the intern table. The JSON
// work is done by an engine (internal/engine.h) chosen for the CPU.
#include "simdjson_shim.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "internal/engine.h"

using nst::NameTable;

// simdjson's On-Demand parser reads up to this many bytes past a document's end.
static constexpr size_t kPadding = 64;

struct nst_parser {
    const nst::EngineOps *engine;
    void *json;                   // the engine's parser
    NameTable names;
    char *scratch = nullptr;      // padded copy of lines that end near the readable limit
    size_t scratch_capacity = 0;

    nst_parser() {
        __builtin_cpu_init();
        engine = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("pclmul")
                     ? &nst::haswell_engine : &nst::fallback_engine;
        json = engine->create();
        // The order matches nst_known_name.
        static const char *const known[] = {"", "start", "stage-0", "stage-1", "stage-2", "exec",
                                            "clone_stage1", "clone_stage2", "spawn_init"};
        for (const char *name : known) names.intern(name, std::strlen(name));
    }
    ~nst_parser() {
        engine->destroy(json);
        std::free(scratch);
    }

    const char *padded_copy(const char *line, size_t length) {
        size_t need = length + kPadding;
        if (need > scratch_capacity) {
            size_t capacity = scratch_capacity ? scratch_capacity : 4096;
            while (capacity < need) capacity *= 2;
            char *grown = static_cast<char *>(std::realloc(scratch, capacity));
            if (!grown) return nullptr;
            scratch = grown;
            scratch_capacity = capacity;
        }
        std::memcpy(scratch, line, length);
        std::memset(scratch + length, 0, kPadding);
        return scratch;
    }
};

extern "C" {

nst_parser *nst_parser_create(void) {
    nst_parser *parser = new (std::nothrow) nst_parser();
    if (parser && !parser->json) {
        delete parser;
        return nullptr;
    }
    return parser;
}

void nst_parser_destroy(nst_parser *parser) {
    delete parser;
}

size_t nst_parse_lines(nst_parser *parser, const char *buffer, size_t length, size_t readable, int at_end,
                       nst_line *lines, size_t capacity, size_t *count) {
    size_t position = 0;
    size_t produced = 0;
    while (produced < capacity && position < length) {
        const char *start = buffer + position;
        const char *newline = static_cast<const char *>(std::memchr(start, '\n', length - position));
        size_t line_length;
        bool unterminated = false;
        if (newline) {
            line_length = static_cast<size_t>(newline - start);
        } else {
            if (!at_end) break;
            line_length = length - position;
            unterminated = true;
        }
        if (line_length > NST_MAX_LINE) {
            nst_line *out = &lines[produced++];
            std::memset(out, 0, sizeof *out);
            out->status = NST_LINE_TOO_LONG;
            out->line = start;
            out->line_length = static_cast<uint32_t>(line_length > UINT32_MAX ? UINT32_MAX : line_length);
            position += line_length + (unterminated ? 0 : 1);
            continue;
        }
        // In place when kPadding readable bytes follow the line, else a padded copy.
        size_t room = readable - position;
        const char *text = start;
        size_t parse_capacity = room;
        if (room < line_length + kPadding) {
            // The scratch copy is reused by the next copied line, so a copied line always
            // ends its batch: Swift reads it before the next call.
            if (produced > 0) break;
            text = parser->padded_copy(start, line_length);
            parse_capacity = line_length + kPadding;
        }
        nst_line *out = &lines[produced++];
        if (!text) {
            std::memset(out, 0, sizeof *out);
            out->status = NST_LINE_INVALID_JSON;  // out of memory for a huge line: refuse it
            out->line = start;
            out->line_length = static_cast<uint32_t>(line_length);
        } else {
            parser->engine->parse_line(parser->json, parser->names, text, line_length, parse_capacity, unterminated, out);
        }
        position += line_length + (unterminated ? 0 : 1);
        if (text != start) break;
    }
    *count = produced;
    return position;
}

const char *nst_name(const nst_parser *parser, uint16_t id, size_t *length) {
    if (id >= parser->names.count) return nullptr;
    if (length) *length = parser->names.lengths[id];
    return parser->names.arena + parser->names.offsets[id];
}

uint16_t nst_intern(nst_parser *parser, const char *name, size_t length) {
    return parser->names.intern(name, length);
}

uint16_t nst_name_count(const nst_parser *parser) {
    return parser->names.count;
}

const char *nst_field_name(uint8_t field) {
    static const char *const names[] = {
        "", "v", "trace_id", "span_id", "parent_span_id", "kind", "stage", "step", "pid", "ns_pid", "seq",
        "mono_ns", "wall_ns", "dur_ns", "outcome", "errno", "errno_name", "error", "lost", "child_pid",
        "exit_status", "ns", "path", "flag_names", "truncated",
    };
    static_assert(sizeof names / sizeof names[0] == NST_FIELD_COUNT, "field names match nst_field");
    return field < NST_FIELD_COUNT ? names[field] : "";
}

}  // extern "C"
