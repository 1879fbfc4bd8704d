#if canImport(Glibc)
import Glibc
#endif
import NSTraceCLI

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
