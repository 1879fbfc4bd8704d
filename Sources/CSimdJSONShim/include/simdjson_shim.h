#pragma once
// A C API over simdjson's On-Demand parser for nstrace trace lines (docs/trace-format.md).
//
// Why a batch API: Swift hands over a whole buffer of many lines and gets back one
// fixed-size `nst_line` record per line, so the hot path makes no allocation, no Swift
// String and no per-line call across the language boundary. Names (steps, errno names,
// namespace types) are interned into small integer ids by the parser; strings Swift only
// needs occasionally (the error message, a path) come back as byte ranges into the input.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Why a line was not accepted as a trace event (`NST_LINE_EVENT` means it was).
typedef enum nst_line_status {
    NST_LINE_EVENT = 0,
    NST_LINE_BLANK = 1,            // empty or whitespace only
    NST_LINE_INVALID_JSON = 2,     // not parseable JSON (garbage, cut in the middle)
    NST_LINE_NOT_OBJECT = 3,       // valid JSON, but not an object
    NST_LINE_RUNC_LOG = 4,         // runc's plain {"level","msg"} log line: no "v"
    NST_LINE_UNKNOWN_VERSION = 5,  // "v" is not 1 (`version` holds it)
    NST_LINE_MISSING_FIELD = 6,    // a required key is absent (`bad_field` names it)
    NST_LINE_INVALID_FIELD = 7,    // a key has the wrong type or an impossible value
    NST_LINE_TRUNCATED = 8,        // the last line of the input, without '\n', does not parse
    NST_LINE_TOO_LONG = 9,         // longer than NST_MAX_LINE: refused unparsed, memory stays bounded
} nst_line_status;

/// Lines longer than this are refused without parsing (the constructor writes < 4096 bytes).
enum { NST_MAX_LINE = 16 * 1024 * 1024 };

/// The required or checked keys, for `bad_field`.
typedef enum nst_field {
    NST_FIELD_NONE = 0,
    NST_FIELD_V, NST_FIELD_TRACE_ID, NST_FIELD_SPAN_ID, NST_FIELD_PARENT_SPAN_ID, NST_FIELD_KIND,
    NST_FIELD_STAGE, NST_FIELD_STEP, NST_FIELD_PID, NST_FIELD_NS_PID, NST_FIELD_SEQ, NST_FIELD_MONO_NS,
    NST_FIELD_WALL_NS, NST_FIELD_DUR_NS, NST_FIELD_OUTCOME, NST_FIELD_ERRNO, NST_FIELD_ERRNO_NAME,
    NST_FIELD_ERROR, NST_FIELD_LOST, NST_FIELD_CHILD_PID, NST_FIELD_EXIT_STATUS, NST_FIELD_NS,
    NST_FIELD_PATH, NST_FIELD_FLAG_NAMES, NST_FIELD_TRUNCATED,
    NST_FIELD_COUNT
} nst_field;

typedef enum nst_kind { NST_KIND_BEGIN = 0, NST_KIND_END = 1, NST_KIND_EVENT = 2 } nst_kind;

/// Stages in process order; `setup` is the same process as `stage-0`.
typedef enum nst_stage {
    NST_STAGE_PARENT = 0, NST_STAGE_SETUP = 1, NST_STAGE_0 = 2, NST_STAGE_1 = 3, NST_STAGE_2 = 4,
    NST_STAGE_COUNT = 5
} nst_stage;

typedef enum nst_outcome { NST_OUTCOME_NONE = 0, NST_OUTCOME_OK = 1, NST_OUTCOME_ERROR = 2 } nst_outcome;

/// Names the parser interns first, so their ids are fixed and Swift can compare ids.
typedef enum nst_known_name {
    NST_NAME_NONE = 0,   // "no name": attribute absent
    NST_NAME_START,      // parent `start`, the root span
    NST_NAME_STAGE_0,    // stage spans: the step name equals the stage name
    NST_NAME_STAGE_1,
    NST_NAME_STAGE_2,
    NST_NAME_EXEC,
    NST_NAME_CLONE_STAGE1,
    NST_NAME_CLONE_STAGE2,
    NST_NAME_SPAWN_INIT,
    NST_NAME_KNOWN_COUNT
} nst_known_name;

/// A byte range into the buffer given to `nst_parse_lines` (or into the parser's copy of
/// a line near the buffer's end: valid until the next call either way). Escaped JSON text.
typedef struct nst_range {
    uint32_t offset;   // from the start of the line's first byte
    uint32_t length;   // 0 when absent
} nst_range;

/// One input line. Integer fields that are absent are -1 (signed) or 0 with the flag unset.
typedef struct nst_line {
    uint8_t status;        // nst_line_status
    uint8_t kind;          // nst_kind
    uint8_t stage;         // nst_stage
    uint8_t outcome;       // nst_outcome
    uint8_t bad_field;     // nst_field, for MISSING_FIELD / INVALID_FIELD
    uint8_t truncated;     // "truncated": true
    uint16_t step;         // interned name id
    uint16_t errno_name;   // interned name id, NST_NAME_NONE when absent
    uint16_t ns;           // interned name id of the `ns` attribute
    int32_t pid;           // -1: absent (first stage-2 lines)
    int32_t ns_pid;
    int32_t child_pid;
    int32_t errno_value;   // -1: absent
    int32_t exit_status;   // -1: absent
    uint32_t seq;
    uint32_t line_length;  // bytes of the line, without '\n'
    int64_t version;       // the "v" value (for UNKNOWN_VERSION)
    uint64_t lost;
    uint64_t mono_ns;
    uint64_t dur_ns;
    uint64_t trace_id_high; // 32 hex digits as two big-endian halves
    uint64_t trace_id_low;
    uint64_t span_id;
    uint64_t parent_span_id; // 0: absent (the root span)
    const char *line;        // the line's first byte (points into the input or the parser's copy)
    nst_range error;
    nst_range path;
    nst_range flag_names;
    uint8_t has_dur;
    uint8_t has_seq;
    uint8_t reserved[6];
} nst_line;

typedef struct nst_parser nst_parser;

nst_parser *nst_parser_create(void);
void nst_parser_destroy(nst_parser *parser);

/// Parses the lines of `buffer[0..<length]` into `lines` (at most `capacity` records).
/// `readable` (>= length) says how many bytes from `buffer` may be read without faulting:
/// lines ending less than SIMDJSON_PADDING bytes before it are copied to a padded scratch
/// buffer first. Only '\n'-terminated lines are parsed unless `at_end` is set, in which
/// case a final unterminated line is parsed too (and is TRUNCATED when it does not parse).
/// Returns the number of bytes consumed (always whole lines); `*count` gets the records.
size_t nst_parse_lines(nst_parser *parser, const char *buffer, size_t length, size_t readable,
                       int at_end, nst_line *lines, size_t capacity, size_t *count);

/// The text of an interned name id (NUL-terminated, owned by the parser), or NULL.
const char *nst_name(const nst_parser *parser, uint16_t id, size_t *length);

/// Interns `name` (so parsers on several threads can share one numbering); 0xffff when refused.
uint16_t nst_intern(nst_parser *parser, const char *name, size_t length);

/// The number of names interned so far (ids are 0..<count).
uint16_t nst_name_count(const nst_parser *parser);

/// The key of `field` as text, for diagnostics.
const char *nst_field_name(uint8_t field);

#ifdef __cplusplus
}
#endif
