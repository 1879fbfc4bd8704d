#include <sys/types.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdint.h>
#include <microhttpd.h>

/* Swift cannot call C variadic functions, so the variadic MHD entry points nstrace
 * needs are wrapped here as static inline functions (compiled by the Swift importer).
 * Options travel as one MHD_OPTION_ARRAY terminated by MHD_OPTION_END. */
static inline struct MHD_Daemon *
nstrace_mhd_start_daemon(unsigned int flags, MHD_AccessHandlerCallback handler, void *handler_cls,
                         struct MHD_OptionItem *options)
{
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}
