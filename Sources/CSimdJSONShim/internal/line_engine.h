// The On-Demand line parser, compiled once per simdjson implementation (see engine_*.cpp):
// included inside `namespace nst::NST_ENGINE` after <simdjson.h>, with `ondemand` aliased.
// No include guard on purpose.

inline bool key_is(const char *raw, const char *literal, size_t n) {
    return std::memcmp(raw, literal, n) == 0 && raw[n] == '"';
}

// The length of a raw (still escaped) JSON string starting after its opening quote.
inline size_t raw_string_length(const char *raw) {
    size_t i = 0;
    for (;;) {
        char c = raw[i];
        if (c == '"') return i;
        if (c == '\\') i += 2; else i++;
    }
}

// 0-15 for a hex digit, 0x10 for anything else (so one OR over all digits finds a bad one).
struct HexTable {
    uint8_t values[256];
    constexpr HexTable() : values() {
        for (int c = 0; c < 256; c++) values[c] = 0x10;
        for (int c = '0'; c <= '9'; c++) values[c] = static_cast<uint8_t>(c - '0');
        for (int c = 'a'; c <= 'f'; c++) values[c] = static_cast<uint8_t>(c - 'a' + 10);
        for (int c = 'A'; c <= 'F'; c++) values[c] = static_cast<uint8_t>(c - 'A' + 10);
    }
};
inline constexpr HexTable kHex{};

// 16 hex digits (either case) into *out; false when any is not a hex digit. Eight bytes at a
// time (SWAR) on little-endian targets, with the same accepted set as kHex.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
__attribute__((always_inline)) inline bool hex8(const char *s, uint32_t *out) {
    constexpr uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t x;
    std::memcpy(&x, s, 8);
    // Per byte (all below 0x80, checked last): high bit set iff byte >= lo / byte <= hi.
    auto at_least = [&](uint64_t v, uint64_t lo) { return (v + (0x80 - lo) * ones) & high; };
    auto at_most = [&](uint64_t v, uint64_t hi) { return ~(v + (0x7f - hi) * ones) & high; };
    uint64_t lower = x | (0x20 * ones);
    uint64_t digit = at_least(x, '0') & at_most(x, '9');
    uint64_t letter = at_least(lower, 'a') & at_most(lower, 'f');
    bool ok = ((digit | letter) == high) & ((x & high) == 0);
    // Nibbles, first character in the top byte.
    uint64_t n = __builtin_bswap64((x & (0x0f * ones)) + (letter >> 7) * 9);
    n = (n | (n >> 4)) & 0x00ff00ff00ff00ffull;
    n = (n | (n >> 8)) & 0x0000ffff0000ffffull;
    n = (n | (n >> 16)) & 0x00000000ffffffffull;
    *out = static_cast<uint32_t>(n);
    return ok;
}

__attribute__((always_inline)) inline bool parse_hex64(const char *s, uint64_t *out) {
    uint32_t high, low;
    bool high_ok = hex8(s, &high);
    bool low_ok = hex8(s + 8, &low);
    *out = (static_cast<uint64_t>(high) << 32) | low;
    return high_ok && low_ok;
}
#else
inline bool parse_hex64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    uint8_t bad = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t d = kHex.values[static_cast<uint8_t>(s[i])];
        bad |= d;
        v = (v << 4) | (d & 0xf);
    }
    *out = v;
    return (bad & 0x10) == 0;
}
#endif

inline bool parse_decimal(const char *s, size_t n, uint64_t *out) {
    if (n == 0 || n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = static_cast<unsigned>(s[i] - '0');
        if (d > 9) return false;
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

// The per-field helpers are forced inline into parse_line: out of line they were ~16% of
// `nstrace summary` samples (bodies included), and each call spilled the iterator state.
#define NST_HOT __attribute__((always_inline)) inline

struct LineParse {
    NameTable *names;
    ondemand::parser *json;
    nst_line *out;
    const char *line;
    uint8_t bad = NST_FIELD_NONE;
    bool bad_is_type = false;

    bool fail(nst_field field) {
        bad = static_cast<uint8_t>(field);
        bad_is_type = true;
        return false;
    }

    NST_HOT bool string_of(ondemand::value &value, nst_field field, const char **raw, size_t *length) {
        ondemand::raw_json_string text;
        if (value.get_raw_json_string().get(text)) return fail(field);
        *raw = text.raw();
        *length = raw_string_length(*raw);
        return true;
    }

    // A string of exactly `n` plain characters (hex ids): no scan for the closing quote. The
    // read of raw[n] stays inside the padded line even when the string is shorter.
    NST_HOT bool fixed_string_of(ondemand::value &value, nst_field field, size_t n, const char **raw) {
        ondemand::raw_json_string text;
        if (value.get_raw_json_string().get(text)) return fail(field);
        *raw = text.raw();
        if ((*raw)[n] != '"') return fail(field);
        return true;
    }

    NST_HOT bool range_of(ondemand::value &value, nst_field field, nst_range *range) {
        const char *raw;
        size_t length;
        if (!string_of(value, field, &raw, &length)) return false;
        range->offset = static_cast<uint32_t>(raw - line);
        range->length = static_cast<uint32_t>(length);
        return true;
    }

    NST_HOT bool name_of(ondemand::value &value, nst_field field, uint16_t *id) {
        const char *raw;
        size_t length;
        if (!string_of(value, field, &raw, &length) || length == 0) return fail(field);
        uint16_t interned = names->intern(raw, length);
        if (interned == NameTable::kNoName) return fail(field);
        *id = interned;
        return true;
    }

    NST_HOT bool int32_of(ondemand::value &value, nst_field field, int32_t *result, int64_t minimum) {
        int64_t v;
        if (value.get_int64().get(v) || v < minimum || v > INT32_MAX) return fail(field);
        *result = static_cast<int32_t>(v);
        return true;
    }

    NST_HOT bool uint64_of(ondemand::value &value, nst_field field, uint64_t *result) {
        if (value.get_uint64().get(*result)) return fail(field);
        return true;
    }

    // mono_ns and wall_ns are decimal strings (jq rounds big integers); plain numbers are
    // accepted too, for hand-written traces.
    NST_HOT bool decimal_of(ondemand::value &value, nst_field field, uint64_t *result) {
        ondemand::raw_json_string text;
        if (!value.get_raw_json_string().get(text)) {
            // Digits up to the closing quote in one pass.
            const char *raw = text.raw();
            uint64_t v = 0;
            size_t i = 0;
            for (;; i++) {
                unsigned d = static_cast<unsigned>(raw[i] - '0');
                if (d > 9) break;
                if (i >= 19 && v > (UINT64_MAX - d) / 10) return fail(field);
                v = v * 10 + d;
            }
            if (i == 0 || raw[i] != '"') return fail(field);
            *result = v;
            return true;
        }
        return uint64_of(value, field, result);
    }

    // The raw string is exactly `literal` (compares the closing quote too: no scan).
    static bool raw_is(const char *raw, const char *literal, size_t n) {
        return std::memcmp(raw, literal, n) == 0 && raw[n] == '"';
    }

    // A raw string for a closed set of values, read without scanning for its end.
    NST_HOT bool raw_of(ondemand::value &value, nst_field field, const char **raw) {
        ondemand::raw_json_string text;
        if (value.get_raw_json_string().get(text)) return fail(field);
        *raw = text.raw();
        return true;
    }
};

enum Seen : uint32_t {
    SEEN_V = 1u << 0, SEEN_TRACE = 1u << 1, SEEN_SPAN = 1u << 2, SEEN_KIND = 1u << 3, SEEN_STAGE = 1u << 4,
    SEEN_STEP = 1u << 5, SEEN_MONO = 1u << 6, SEEN_DUR = 1u << 7, SEEN_RUNC = 1u << 8,
};

void parse_line(ondemand::parser &json, NameTable &names, const char *line, size_t length, size_t capacity, bool unterminated,
                nst_line *out) {
    std::memset(out, 0, sizeof *out);
    out->line = line;
    out->line_length = static_cast<uint32_t>(length);
    out->pid = out->ns_pid = out->child_pid = out->errno_value = out->exit_status = -1;

    size_t first = 0;
    while (first < length && (line[first] == ' ' || line[first] == '\t' || line[first] == '\r')) first++;
    if (first == length) {
        out->status = NST_LINE_BLANK;
        return;
    }
    const uint8_t invalid = unterminated ? NST_LINE_TRUNCATED : NST_LINE_INVALID_JSON;
    if (line[first] != '{') {
        // Valid JSON that is not an object (an array, a string, a number) is told apart from garbage.
        char c = line[first];
        bool json_start = c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9');
        ondemand::document doc;
        ondemand::json_type type;
        bool parses = json_start && !json.iterate(line, length, capacity).get(doc) && !doc.type().get(type);
        out->status = parses ? NST_LINE_NOT_OBJECT : invalid;
        return;
    }

    ondemand::document doc;
    ondemand::object object;
    if (json.iterate(line, length, capacity).get(doc) || doc.get_object().get(object)) {
        out->status = invalid;
        return;
    }
    LineParse p{&names, &json, out, line};
    uint32_t seen = 0;
    for (auto field : object) {
        ondemand::raw_json_string raw_key;
        ondemand::value value;
        if (field.key().get(raw_key) || field.value().get(value)) {
            out->status = invalid;
            return;
        }
        const char *key = raw_key.raw();
        bool ok = true;
        switch (key[0]) {
        case 'v':
            if (key_is(key, "v", 1)) {
                seen |= SEEN_V;
                if (value.get_int64().get(out->version)) ok = p.fail(NST_FIELD_V);
            }
            break;
        case 't':
            if (key_is(key, "trace_id", 8)) {
                const char *raw;
                seen |= SEEN_TRACE;
                ok = p.fixed_string_of(value, NST_FIELD_TRACE_ID, 32, &raw);
                if (ok && !(parse_hex64(raw, &out->trace_id_high) && parse_hex64(raw + 16, &out->trace_id_low)))
                    ok = p.fail(NST_FIELD_TRACE_ID);
            } else if (key_is(key, "truncated", 9)) {
                bool flag;
                if (value.get_bool().get(flag)) ok = p.fail(NST_FIELD_TRUNCATED); else out->truncated = flag;
            } else if (key_is(key, "time", 4)) {
                // runc's Go side adds "time"; ignored.
            }
            break;
        case 's':
            if (key_is(key, "span_id", 7)) {
                const char *raw;
                seen |= SEEN_SPAN;
                ok = p.fixed_string_of(value, NST_FIELD_SPAN_ID, 16, &raw);
                if (ok && !parse_hex64(raw, &out->span_id)) ok = p.fail(NST_FIELD_SPAN_ID);
            } else if (key_is(key, "stage", 5)) {
                const char *raw;
                seen |= SEEN_STAGE;
                ok = p.raw_of(value, NST_FIELD_STAGE, &raw);
                if (ok) {
                    if (std::memcmp(raw, "stage-", 6) == 0 && raw[6] >= '0' && raw[6] <= '2' && raw[7] == '"')
                        out->stage = static_cast<uint8_t>(NST_STAGE_0 + (raw[6] - '0'));
                    else if (LineParse::raw_is(raw, "parent", 6)) out->stage = NST_STAGE_PARENT;
                    else if (LineParse::raw_is(raw, "setup", 5)) out->stage = NST_STAGE_SETUP;
                    else ok = p.fail(NST_FIELD_STAGE);
                }
            } else if (key_is(key, "step", 4)) {
                seen |= SEEN_STEP;
                ok = p.name_of(value, NST_FIELD_STEP, &out->step);
            } else if (key_is(key, "seq", 3)) {
                int32_t seq;
                ok = p.int32_of(value, NST_FIELD_SEQ, &seq, 0);
                out->seq = static_cast<uint32_t>(seq);
                out->has_seq = ok;
            }
            break;
        case 'p':
            if (key_is(key, "pid", 3)) {
                ok = p.int32_of(value, NST_FIELD_PID, &out->pid, 0);
            } else if (key_is(key, "parent_span_id", 14)) {
                const char *raw;
                ok = p.fixed_string_of(value, NST_FIELD_PARENT_SPAN_ID, 16, &raw);
                if (ok && !parse_hex64(raw, &out->parent_span_id)) ok = p.fail(NST_FIELD_PARENT_SPAN_ID);
            } else if (key_is(key, "path", 4)) {
                ok = p.range_of(value, NST_FIELD_PATH, &out->path);
            }
            break;
        case 'k':
            if (key_is(key, "kind", 4)) {
                const char *raw;
                seen |= SEEN_KIND;
                ok = p.raw_of(value, NST_FIELD_KIND, &raw);
                if (ok) {
                    if (LineParse::raw_is(raw, "end", 3)) out->kind = NST_KIND_END;
                    else if (LineParse::raw_is(raw, "begin", 5)) out->kind = NST_KIND_BEGIN;
                    else if (LineParse::raw_is(raw, "event", 5)) out->kind = NST_KIND_EVENT;
                    else ok = p.fail(NST_FIELD_KIND);
                }
            }
            break;
        case 'm':
            if (key_is(key, "mono_ns", 7)) {
                seen |= SEEN_MONO;
                ok = p.decimal_of(value, NST_FIELD_MONO_NS, &out->mono_ns);
            } else if (key_is(key, "msg", 3)) {
                seen |= SEEN_RUNC;
            }
            break;
        case 'l':
            if (key_is(key, "level", 5)) seen |= SEEN_RUNC;
            else if (key_is(key, "lost", 4)) ok = p.uint64_of(value, NST_FIELD_LOST, &out->lost);
            break;
        case 'n':
            if (key_is(key, "ns_pid", 6)) ok = p.int32_of(value, NST_FIELD_NS_PID, &out->ns_pid, 0);
            else if (key_is(key, "ns", 2)) ok = p.name_of(value, NST_FIELD_NS, &out->ns);
            break;
        case 'w':
            // wall_ns is not parsed: nothing reads it, and it costs 5% of the parse.
            break;
        case 'd':
            if (key_is(key, "dur_ns", 6)) {
                seen |= SEEN_DUR;
                ok = p.uint64_of(value, NST_FIELD_DUR_NS, &out->dur_ns);
            }
            break;
        case 'o':
            if (key_is(key, "outcome", 7)) {
                const char *raw;
                ok = p.raw_of(value, NST_FIELD_OUTCOME, &raw);
                if (ok) {
                    if (LineParse::raw_is(raw, "ok", 2)) out->outcome = NST_OUTCOME_OK;
                    else if (LineParse::raw_is(raw, "error", 5)) out->outcome = NST_OUTCOME_ERROR;
                    else ok = p.fail(NST_FIELD_OUTCOME);
                }
            }
            break;
        case 'e':
            if (key_is(key, "errno", 5)) ok = p.int32_of(value, NST_FIELD_ERRNO, &out->errno_value, 0);
            else if (key_is(key, "errno_name", 10)) ok = p.name_of(value, NST_FIELD_ERRNO_NAME, &out->errno_name);
            else if (key_is(key, "error", 5)) ok = p.range_of(value, NST_FIELD_ERROR, &out->error);
            else if (key_is(key, "exit_status", 11)) ok = p.int32_of(value, NST_FIELD_EXIT_STATUS, &out->exit_status, 0);
            break;
        case 'c':
            if (key_is(key, "child_pid", 9)) ok = p.int32_of(value, NST_FIELD_CHILD_PID, &out->child_pid, 0);
            break;
        case 'f':
            if (key_is(key, "flag_names", 10)) ok = p.range_of(value, NST_FIELD_FLAG_NAMES, &out->flag_names);
            break;
        default:
            break;  // unknown keys are ignored: On-Demand skips their values
        }
        if (!ok) {
            // A wrong-typed known key. Runc lines and other versions are judged first.
            if ((seen & SEEN_V) && out->version != 1 && p.bad != NST_FIELD_V) {
                out->status = NST_LINE_UNKNOWN_VERSION;
                return;
            }
            out->status = NST_LINE_INVALID_FIELD;
            out->bad_field = p.bad;
            return;
        }
    }
    // Anything after the object (`{...} x`) makes the line invalid.
    const char *trailing = nullptr;
    if (!doc.current_location().get(trailing)) {
        out->status = invalid;
        return;
    }
    if (!(seen & SEEN_V)) {
        if (seen & SEEN_RUNC) out->status = NST_LINE_RUNC_LOG;
        else { out->status = NST_LINE_MISSING_FIELD; out->bad_field = NST_FIELD_V; }
        return;
    }
    if (out->version != 1) {
        out->status = NST_LINE_UNKNOWN_VERSION;
        return;
    }
    struct { uint32_t bit; nst_field field; } const required[] = {
        {SEEN_TRACE, NST_FIELD_TRACE_ID}, {SEEN_SPAN, NST_FIELD_SPAN_ID}, {SEEN_KIND, NST_FIELD_KIND},
        {SEEN_STAGE, NST_FIELD_STAGE}, {SEEN_STEP, NST_FIELD_STEP}, {SEEN_MONO, NST_FIELD_MONO_NS},
    };
    for (const auto &r : required) {
        if (!(seen & r.bit)) {
            out->status = NST_LINE_MISSING_FIELD;
            out->bad_field = static_cast<uint8_t>(r.field);
            return;
        }
    }
    if (out->kind == NST_KIND_END && !(seen & SEEN_DUR)) {
        out->status = NST_LINE_MISSING_FIELD;
        out->bad_field = NST_FIELD_DUR_NS;
        return;
    }
    if (out->kind == NST_KIND_END && out->dur_ns > out->mono_ns) {
        out->status = NST_LINE_INVALID_FIELD;  // would start before the clock's zero
        out->bad_field = NST_FIELD_DUR_NS;
        return;
    }
    out->has_dur = (seen & SEEN_DUR) != 0;
    out->status = NST_LINE_EVENT;
}

