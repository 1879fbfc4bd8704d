/* nstrace's container init. The constructor in CNSTraceInit has already run the nsexec
 * stages; only stage-2 gets here, to exec the command the parent asks for. */
#include "nstrace_init.h"

int main(void)
{
	return nst_runtime_main();
}
