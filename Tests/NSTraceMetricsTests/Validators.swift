import Foundation
import NSTraceTestSupport

/// External validators: Debian's `promtool check metrics` (0.0.4 lint) and PyPI
/// `prometheus_client`'s strict OpenMetrics parser.
enum Validators {
    struct Outcome {
        let status: Int32
        let output: String
    }

    /// `promtool check metrics` on 0.0.4 text; status 0 is clean.
    static func promtool(_ text: String) throws -> Outcome {
        let result = try runProgram("/usr/bin/promtool", ["check", "metrics"], stdin: Data(text.utf8), timeout: 30)
        return Outcome(status: result.status, output: result.stdout + result.stderr)
    }

    /// `python3` from PATH (the one with PyPI `prometheus_client`), through env.
    static func python(_ arguments: [String], stdin: String) throws -> ProcessResult {
        try runProgram("/usr/bin/env", ["python3"] + arguments, stdin: Data(stdin.utf8), timeout: 30)
    }

    /// Parses `text` with the strict OpenMetrics parser (`openmetrics: true`) or the 0.0.4
    /// parser, and prints every sample as `name{sorted labels} value` lines, sorted.
    static func pythonSamples(_ text: String, openMetrics: Bool) throws -> Outcome {
        let script = """
        import sys
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
        from prometheus_client.parser import text_string_to_metric_families as prom
        text = sys.stdin.read()
        parse = om if sys.argv[1] == "om" else prom
        out = []
        for family in parse(text):
            for s in family.samples:
                labels = ",".join('%s=%r' % (k, v) for k, v in sorted(s.labels.items()))
                out.append("%s %s{%s} %r" % (family.type, s.name, labels, float(s.value)))
        print("\\n".join(sorted(out)))
        """
        let result = try python(["-c", script, openMetrics ? "om" : "prom"], stdin: text)
        return Outcome(status: result.status, output: result.stdout + result.stderr)
    }

    /// The set of values label `label` takes in an OpenMetrics text, read by the strict parser.
    static func pythonLabelValues(_ text: String, label: String) throws -> Set<String> {
        let script = """
        import sys, json
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
        values = sorted({s.labels[sys.argv[1]] for f in om(sys.stdin.read()) for s in f.samples if sys.argv[1] in s.labels})
        print(json.dumps(values))
        """
        let result = try python(["-c", script, label], stdin: text)
        guard result.status == 0 else { throw ValidatorError(output: result.stderr) }
        return Set(try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8)))
    }

    struct ValidatorError: Error { let output: String }
}
