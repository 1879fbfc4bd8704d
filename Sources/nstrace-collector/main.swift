#if canImport(Glibc)
import Glibc
#endif
import NSTraceCollectorCLI

// `nstrace summary|timeline|metrics|serve ARGS` execs this with VERB ARGS.
exit(CollectorVerbs.main(Array(CommandLine.arguments.dropFirst())))
