#include "nstrace_init.h"
