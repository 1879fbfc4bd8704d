#include "nstrace_sys.h"
