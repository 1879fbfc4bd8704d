import NSTraceCLI
import NSTraceCollector

/// `nstrace timeline FILE [--trace ID | --slowest | --failed] [--json | --cause]`: one start.
enum TimelineCommand {
    static let help = """
        Usage: nstrace timeline FILE [--trace ID | --slowest | --failed] [--json | --cause]

        Draws one start of a trace file: a row per span, grouped and indented by process
        (stage, host pid, namespace pid), with @offset +duration and a bar scaled to the
        terminal width. A failed step is marked ✗ with its errno and message; a step still
        open when the trace ends is drawn to the right edge (▶, +?).

        Options:
          --trace ID      The start with this trace id (32 hex digits)
          --slowest       The slowest finished start
          --failed        The failed start that ended last
          --json          The start as one JSON document (offsets and durations in ns)
          --cause         Only the step that failed first, as one line:
                          "STAGE STEP ERRNO: MESSAGE" (nothing if the start did not fail)
          -h, --help      Show this help

        Without a selector: the only start, or the one that began last. Colour only on a
        terminal and never with NO_COLOR; the width comes from COLUMNS or the terminal.
        Exit status: 0 ok; 1 unreadable file or no such start; 64 usage error.

        """

    static func main(_ arguments: [String]) throws -> Int32 {
        var parser = Arguments(arguments, verb: "timeline")
        var selection: Timeline.Selection?
        var files: [String] = []
        var json = false
        var causeOnly = false
        func select(_ chosen: Timeline.Selection, _ option: String) throws {
            if selection != nil {
                throw UsageError("give only one of --trace, --slowest and --failed", verb: "timeline")
            }
            selection = chosen
        }
        while let item = parser.next() {
            switch item {
            case .option("-h"), .option("--help"):
                Terminal.standardOutput.write(help)
                return ExitCode.success
            case .option("--trace"):
                let value = try parser.value(for: "--trace")
                guard let id = TraceID(hex: value) else {
                    throw UsageError("--trace needs a trace id of 32 hex digits, not '\(value)'", verb: "timeline")
                }
                try select(.traceID(id), "--trace")
            case .option("--slowest"):
                try parser.flag("--slowest")
                try select(.slowest, "--slowest")
            case .option("--failed"):
                try parser.flag("--failed")
                try select(.failed, "--failed")
            case .option("--json"):
                try parser.flag("--json")
                json = true
            case .option("--cause"):
                try parser.flag("--cause")
                causeOnly = true
            case .option(let option):
                throw parser.unknown(option)
            case .positional(let file):
                files.append(file)
            }
        }
        if json && causeOnly {
            throw UsageError("give only one of --json and --cause", verb: "timeline")
        }
        guard files.count == 1 else {
            throw UsageError(files.isEmpty ? "no trace file given" : "one trace file at a time", verb: "timeline")
        }
        do {
            let model = try Timeline.model(tracePath: files[0], selection: selection ?? .latest)
            let terminal = Terminal.standardOutput
            if causeOnly {
                if let failure = model.failure { terminal.write("\(failure): \(model.failureMessage)\n") }
            } else {
                terminal.write(json ? model.json() : Timeline.render(model, columns: terminal.columns, colour: terminal.wantsColour))
            }
            return ExitCode.success
        } catch let error as TraceReadError {
            throw RuntimeError(error.description)
        } catch let error as Timeline.NoSuchStart {
            throw RuntimeError(error.description)
        }
    }
}
