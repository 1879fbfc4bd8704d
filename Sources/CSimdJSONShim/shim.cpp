#include "simdjson_shim.h"
#include <simdjson.h>
