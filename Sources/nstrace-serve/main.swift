#if canImport(Glibc)
import Glibc
#endif
import NSTraceCLI
import NSTraceServe

// `nstrace serve ARGS` execs this with ARGS.
exit(CLI.run(Verb(name: "serve", synopsis: "", summary: "", run: ServeCommand.main),
             Array(CommandLine.arguments.dropFirst())))
