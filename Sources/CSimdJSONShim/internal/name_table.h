#pragma once
// The intern table for step, errno and namespace names (shared by the parse engines).
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace nst {

// Names longer than this are refused: step and errno names are short identifiers, and a
// bound keeps a hostile file from filling the intern table with megabytes.
inline constexpr size_t kMaxNameLength = 64;
inline constexpr size_t kNameSlots = 8192;     // open addressing, power of two
inline constexpr uint16_t kMaxNames = 4096;    // ids 0..<4096; a full table refuses new names

struct NameTable {
    static constexpr uint16_t kNoName = 0xffff;
    // Slot -> id + 1 (0: empty). Names live in one arena so interning allocates only when it grows.
    uint16_t slots[kNameSlots];
    uint32_t offsets[kMaxNames];
    uint16_t lengths[kMaxNames];
    uint32_t hashes[kMaxNames];
    uint16_t count = 0;
    char *arena = nullptr;
    size_t arena_used = 0;
    size_t arena_capacity = 0;

    NameTable() { std::memset(slots, 0, sizeof slots); }
    ~NameTable() { std::free(arena); }

    static uint32_t hash(const char *s, size_t n) {
        uint32_t h = 2166136261u;  // FNV-1a: names are short, this is plenty
        for (size_t i = 0; i < n; i++) h = (h ^ static_cast<uint8_t>(s[i])) * 16777619u;
        return h;
    }

    uint16_t intern(const char *s, size_t n) {
        if (n > kMaxNameLength) return kNoName;
        uint32_t h = hash(s, n);
        size_t slot = h & (kNameSlots - 1);
        while (slots[slot] != 0) {
            uint16_t id = static_cast<uint16_t>(slots[slot] - 1);
            if (hashes[id] == h && lengths[id] == n && std::memcmp(arena + offsets[id], s, n) == 0) return id;
            slot = (slot + 1) & (kNameSlots - 1);
        }
        if (count >= kMaxNames) return kNoName;
        if (arena_used + n + 1 > arena_capacity) {
            size_t capacity = arena_capacity ? arena_capacity * 2 : 4096;
            char *grown = static_cast<char *>(std::realloc(arena, capacity));
            if (!grown) return kNoName;
            arena = grown;
            arena_capacity = capacity;
        }
        uint16_t id = count++;
        std::memcpy(arena + arena_used, s, n);
        arena[arena_used + n] = 0;
        offsets[id] = static_cast<uint32_t>(arena_used);
        lengths[id] = static_cast<uint16_t>(n);
        hashes[id] = h;
        arena_used += n + 1;
        slots[slot] = static_cast<uint16_t>(id + 1);
        return id;
    }
};

}  // namespace nst
